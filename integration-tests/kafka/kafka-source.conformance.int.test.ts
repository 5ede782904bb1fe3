import { describeSourceConformance } from '../../core/testing';
import { testServices } from '../env';
import { KafkaSourceTestBed } from './kafka-source-fixtures';

/**
 * The core source conformance suite against a real 3-partition topic read with `bounded: latest`: plain records, a
 * committed transaction and an aborted one (which must never be delivered), decoded as JSON. Small fetch buffers make
 * checkpoints and crashes fall between fetches and while fetched records still wait to be polled.
 */
const { brokers } = testServices().kafka;
const PER_PARTITION = 40;

describeSourceConformance('kafka (bounded: latest)', {
  seeds: [1, 2, 3, 4],
  setup: async () => {
    const bed = new KafkaSourceTestBed(brokers);
    await bed.connect();
    const topic = await bed.createTopic('source-conformance');
    const expectedIds: string[] = [];
    for (const partition of [0, 1, 2]) {
      const ids = Array.from({ length: PER_PARTITION }, (_, n) => `p${partition}-${n}`);
      await bed.produce(topic, partition, ids.map((id) => ({ key: id, value: JSON.stringify({ id }) })));
      expectedIds.push(...ids);
    }
    const producer = await bed.producer(`source-conformance-tx-${topic}`);
    const committed = await producer.transaction();
    await committed.send({ topic, messages: [0, 1, 2].map((partition) => ({ partition, value: JSON.stringify({ id: `tx-${partition}` }) })) });
    await committed.commit();
    expectedIds.push('tx-0', 'tx-1', 'tx-2');
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ partition: 1, value: JSON.stringify({ id: 'aborted' }) }] });
    await aborted.abort();
    return {
      createSource: () =>
        bed.source(
          { topics: [topic], bounded: 'latest', valueFormat: 'json' },
          { tuning: { maxBufferedBytes: 1_500, partitionMaxBytes: 600 } },
        ),
      expectedIds,
      recordId: (record) => (record.value as { id: string }).id,
      parallelism: 2,
      cleanup: () => bed.close(),
    };
  },
});
