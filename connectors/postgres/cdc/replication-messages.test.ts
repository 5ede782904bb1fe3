import { millisToPostgresTime, parseServerMessage, postgresTimeToMillis, standbyStatusUpdate } from './replication-messages';

function xlogData(start: bigint, end: bigint, data: Buffer): Buffer {
  const header = Buffer.alloc(25);
  header.write('w', 0, 'latin1');
  header.writeBigUInt64BE(start, 1);
  header.writeBigUInt64BE(end, 9);
  header.writeBigInt64BE(123n, 17);
  return Buffer.concat([header, data]);
}

function keepalive(end: bigint, reply: boolean): Buffer {
  const buffer = Buffer.alloc(18);
  buffer.write('k', 0, 'latin1');
  buffer.writeBigUInt64BE(end, 1);
  buffer.writeBigInt64BE(456n, 9);
  buffer.writeUInt8(reply ? 1 : 0, 17);
  return buffer;
}

describe('streaming replication messages', () => {
  it('decodes XLogData with its payload', () => {
    const message = parseServerMessage(xlogData(0x10n, 0x20n, Buffer.from('B-payload')));
    expect(message).toEqual({ kind: 'xlog-data', dataStart: 0x10n, walEnd: 0x20n, data: Buffer.from('B-payload') });
  });

  it('decodes primary keepalives and whether they ask for a reply', () => {
    expect(parseServerMessage(keepalive(0x1_0000_0001n, true))).toEqual({ kind: 'keepalive', walEnd: 0x1_0000_0001n, replyRequested: true });
    expect(parseServerMessage(keepalive(7n, false))).toMatchObject({ replyRequested: false });
  });

  it('refuses unknown and truncated messages', () => {
    expect(() => parseServerMessage(Buffer.from('x'))).toThrow(/unknown replication message kind "x"/);
    expect(() => parseServerMessage(keepalive(1n, true).subarray(0, 10))).toThrow(/truncated/);
  });

  it('encodes a standby status update with flush as flush and apply', () => {
    const now = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
    const update = standbyStatusUpdate(0x30n, 0x20n, now, true);
    expect(update).toHaveLength(34);
    expect(update.toString('latin1', 0, 1)).toBe('r');
    expect(update.readBigUInt64BE(1)).toBe(0x30n);
    expect(update.readBigUInt64BE(9)).toBe(0x20n);
    expect(update.readBigUInt64BE(17)).toBe(0x20n);
    expect(postgresTimeToMillis(update.readBigInt64BE(25))).toBe(now);
    expect(update.readUInt8(33)).toBe(1);
  });

  it('converts between the Postgres and the Unix epochs', () => {
    expect(millisToPostgresTime(Date.UTC(2000, 0, 1))).toBe(0n);
    expect(postgresTimeToMillis(1_000_000n)).toBe(Date.UTC(2000, 0, 1, 0, 0, 1));
  });
});
