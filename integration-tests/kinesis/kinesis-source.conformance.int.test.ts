import { describeSourceConformance } from '../../core/testing';
import { testServices } from '../env';
import { KinesisTestBed } from './kinesis-test-bed';

/**
 * The core source conformance suite against kinesis-mock, read with `bounded: true`: a 2-shard stream, 25 records put
 * into each shard, then shard 0 split in two and 25 more records put through each of the three open shards — so the
 * suite's crashes and restores also fall before, at and after a parent shard's end, while its children wait for it.
 * Small GetRecords calls put checkpoints between calls and while fetched records still wait to be polled.
 */
const PER_SHARD = 25;

describeSourceConformance('kinesis (bounded, with a split shard)', {
  seeds: [1, 2, 3],
  setup: async () => {
    const bed = new KinesisTestBed(testServices().kinesis);
    const stream = await bed.createStream('source-conformance', 2);
    const expectedIds: string[] = [];
    const putThrough = async (label: string): Promise<void> => {
      for (const shard of (await bed.shards(stream)).filter((candidate) => candidate.SequenceNumberRange?.EndingSequenceNumber === undefined)) {
        const ids = Array.from({ length: PER_SHARD }, (_, n) => `${label}-${shard.ShardId ?? ''}-${n}`);
        await bed.put(stream, ids.map((id) => ({ key: id, data: { id }, explicitHashKey: shard.HashKeyRange?.StartingHashKey ?? '0' })));
        expectedIds.push(...ids);
      }
    };
    await putThrough('before');
    await bed.split(stream, 'shardId-000000000000');
    await putThrough('after');
    return {
      createSource: () => bed.source(stream, { recordsPerCall: 7 }),
      expectedIds,
      recordId: (record) => (record.value as { id: string }).id,
      parallelism: 2,
      cleanup: () => bed.close(),
    };
  },
});
