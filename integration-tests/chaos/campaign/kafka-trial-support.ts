import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SERVICES_RUN_DIR_ENV_VAR } from '../../env/supervisor-protocol';
import type { Kafka } from 'kafkajs';
import { createTestTopics, testKafka } from '../../support/test-kafka';
import { bestEffort, type TrialContext } from './chaos-pipeline';
import type { ConsumedRecord, KafkaOracle } from './kafka-oracle';

/**
 * Open transactions of the pipeline's transactional ids, and hanging ones on its output topic. A hanging one says
 * when the broker's log shows that the broker itself skipped a transaction marker for the topic (see
 * {@link brokerSkippedMarkers}).
 */
export async function openAndHanging(oracle: KafkaOracle, prefix: string, topic: string): Promise<string[]> {
  const [open, hanging] = await Promise.all([oracle.openTransactions(prefix), oracle.hangingTransactions(topic)]);
  const skipped = hanging.length === 0 ? [] : await brokerSkippedMarkers(topic);
  const why = skipped.length === 0 ? '' : ` (the broker skipped a marker: ${skipped.join('; ')})`;
  return [...open.map((entry) => `${entry.transactionalId} ${entry.state}`), ...hanging.map((row) => `hanging ${row}${why}`)];
}

/**
 * Lines of the local broker's log where its transaction coordinator dropped the markers of a completed transaction for
 * a partition of `topic` because the partition had no leader at that moment (it takes such a partition for deleted):
 * the transaction then stays open on that partition for good. Seen after a SIGKILL restart of the single-node broker,
 * while it is still fenced by its own previous registration. Empty when the log is not reachable.
 */
export async function brokerSkippedMarkers(topic: string): Promise<string[]> {
  const runDir = process.env[SERVICES_RUN_DIR_ENV_VAR];
  if (runDir === undefined) return [];
  const log = await readFile(join(runDir, 'kafka', 'kafka-server.log'), 'utf8').catch(() => '');
  return log
    .split('\n')
    .filter((line) => line.includes("Couldn't find leader endpoint") && line.includes(`${topic}-`))
    .map((line) => line.slice(0, 260));
}

/** The record's value as JSON, or undefined when it is not JSON. */
export function parseJson(record: ConsumedRecord): unknown {
  try {
    return JSON.parse(record.value) as unknown;
  } catch {
    return undefined;
  }
}

/** `partition@offset key value`, for a failure line. */
export function describeRecord(record: ConsumedRecord): string {
  return `${record.partition}@${record.offset} ${record.key} ${record.value}`;
}

/** The campaign's kafkajs client for the trial's brokers (setup and clean-up only; the oracle is separate). */
export function campaignKafka(context: TrialContext): Kafka {
  return testKafka(context.brokers, 'lockstep-chaos-campaign');
}

/** Creates a trial's topics, `partitions` each; answers the campaign's client for producing the input. */
export async function createTopics(context: TrialContext, topics: readonly string[], partitions: number): Promise<Kafka> {
  const kafka = campaignKafka(context);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTestTopics(admin, topics.map((topic) => ({ topic, numPartitions: partitions })));
  } finally {
    await admin.disconnect();
  }
  return kafka;
}

/** Deletes a trial's topics (best effort). */
export async function deleteTopics(context: TrialContext, topics: string[]): Promise<void> {
  const admin = campaignKafka(context).admin();
  await bestEffort(
    () => admin.connect(),
    () => admin.deleteTopics({ topics }),
    () => admin.disconnect(),
  );
}
