import { describeTransactionsRequest, listTransactionsRequest, newEncoder } from './transaction-codec';

/** The body bytes of a request (what follows kafkajs' request header v1). */
async function encoded(request: { request: { encode: () => Promise<{ buffer: Buffer }> } }): Promise<number[]> {
  return [...(await request.request.encode()).buffer];
}

const ascii = (text: string): number[] => [...Buffer.from(text)];

describe('DescribeTransactions v0 (API 65)', () => {
  it('encodes the header v2 tagged fields, the compact array of ids and the body tagged fields', async () => {
    const request = describeTransactionsRequest(['tx-1']);
    expect(request.request).toMatchObject({ apiKey: 65, apiVersion: 0, apiName: 'DescribeTransactions' });
    expect(await encoded(request)).toEqual([0, 2, 5, ...ascii('tx-1'), 0]);
  });

  it('decodes a response: header tagged fields, throttle time, one entry per id', async () => {
    const response = newEncoder()
      .writeUVarInt(0) // response header tagged fields
      .writeInt32(0) // throttle time
      .writeUVarInt(3) // two entries
      .writeInt16(0)
      .writeUVarIntString('tx-1')
      .writeUVarIntString('Ongoing')
      .writeInt32(60_000)
      .writeInt64(1_700_000_000_000) // start time
      .writeInt64('9007199254740993') // producer id beyond 2^53
      .writeInt16(7)
      .writeUVarInt(2) // one topic
      .writeUVarIntString('orders')
      .writeUVarInt(3) // two partitions
      .writeInt32(0)
      .writeInt32(4)
      .writeUVarInt(0) // topic tagged fields
      .writeUVarInt(0) // entry tagged fields
      .writeInt16(105)
      .writeUVarIntString('tx-2')
      .writeUVarIntString('Dead')
      .writeInt32(0)
      .writeInt64(-1)
      .writeInt64(-1)
      .writeInt16(-1)
      .writeUVarInt(1) // no topics
      .writeUVarInt(0)
      .writeUVarInt(0); // response tagged fields
    const decoded = await describeTransactionsRequest(['tx-1', 'tx-2']).response.decode(response.buffer);
    expect(decoded).toEqual([
      { errorCode: 0, transactionalId: 'tx-1', state: 'Ongoing', timeoutMs: 60_000, producerId: '9007199254740993', producerEpoch: 7 },
      { errorCode: 105, transactionalId: 'tx-2', state: 'Dead', timeoutMs: 0, producerId: '-1', producerEpoch: -1 },
    ]);
  });
});

describe('ListTransactions v0 (API 66)', () => {
  it('encodes the state filters and an empty producer id filter', async () => {
    const request = listTransactionsRequest(['Ongoing', 'PrepareCommit']);
    expect(request.request).toMatchObject({ apiKey: 66, apiVersion: 0, apiName: 'ListTransactions' });
    expect(await encoded(request)).toEqual([0, 3, 8, ...ascii('Ongoing'), 14, ...ascii('PrepareCommit'), 1, 0]);
    expect(await encoded(listTransactionsRequest([]))).toEqual([0, 1, 1, 0]);
  });

  it('decodes the error code and the listed transactions', async () => {
    const response = newEncoder()
      .writeUVarInt(0)
      .writeInt32(0)
      .writeInt16(0)
      .writeUVarInt(2) // one unknown state filter
      .writeUVarIntString('Bogus')
      .writeUVarInt(3) // two transactions
      .writeUVarIntString('p-0-1')
      .writeInt64(42)
      .writeUVarIntString('Ongoing')
      .writeUVarInt(0)
      .writeUVarIntString('p-3-0')
      .writeInt64(43)
      .writeUVarIntString('PrepareCommit')
      .writeUVarInt(0)
      .writeUVarInt(0);
    expect(await listTransactionsRequest([]).response.decode(response.buffer)).toEqual({
      errorCode: 0,
      transactions: [
        { transactionalId: 'p-0-1', producerId: '42', state: 'Ongoing' },
        { transactionalId: 'p-3-0', producerId: '43', state: 'PrepareCommit' },
      ],
    });
  });
});
