import { randomUUID } from 'node:crypto';
import { createTestTopics, testKafka } from '../support/test-kafka';
import { KafkaSink, kafkaSinkPlugin } from '../../connectors/kafka/sink';
import { describeSinkConformance, testPluginContext, validatedConfig } from '../../core/testing';
import { testServices } from '../env';
import { readCommitted } from '../support/kafka-read-committed';
import { openKafkaTransactions } from '../support/kafka-topics';

/** The core sink conformance suite against the real broker: values are what a read_committed consumer sees. */
const { brokers } = testServices().kafka;

/** Transactions of `prefix` still open (Ongoing) on the broker: what a crashed run left behind. */
async function openTransactions(prefix: string): Promise<string[]> {
  const kafka = testKafka(brokers);
  return (await openKafkaTransactions(kafka, prefix, ['Ongoing'])).map((entry) => entry.transactionalId);
}

describeSinkConformance('kafka', {
  mechanism: 'two-phase-commit',
  traceInspection: true,
  seeds: [1, 2, 3],
  setup: async () => {
    const run = randomUUID().slice(0, 8);
    const topic = `sink-conformance-${run}`;
    const prefix = `conformance-${run}`;
    const admin = testKafka(brokers).admin();
    await admin.connect();
    await createTestTopics(admin, [{ topic, numPartitions: 3 }]);
    return {
      createSink: () =>
        new KafkaSink(
          validatedConfig(kafkaSinkPlugin, { id: 'out', brokers, topic, transactionalIdPrefix: prefix, transactionTimeout: 60_000 }),
          testPluginContext({ pipeline: 'conformance', componentId: 'out', checkpoint: { intervalMs: 1000, timeoutMs: 30_000 } }),
        ),
      readCommitted: async () => (await readCommitted(brokers, topic)).map((message) => JSON.parse(message.value ?? 'null') as unknown),
      listUncommitted: () => openTransactions(prefix),
      cleanup: async () => {
        await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
        await admin.disconnect();
      },
    };
  },
});
