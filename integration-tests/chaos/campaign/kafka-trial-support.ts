import { testKafka } from '../../support/test-kafka';
import { bestEffort, type TrialContext } from './chaos-pipeline';
import type { ConsumedRecord, KafkaOracle } from './kafka-oracle';

/** Open transactions of the pipeline's transactional ids, and hanging ones on its output topic. */
export async function openAndHanging(oracle: KafkaOracle, prefix: string, topic: string): Promise<string[]> {
  const [open, hanging] = await Promise.all([oracle.openTransactions(prefix), oracle.hangingTransactions(topic)]);
  return [...open.map((entry) => `${entry.transactionalId} ${entry.state}`), ...hanging.map((row) => `hanging ${row}`)];
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

/** Deletes a trial's topics (best effort). */
export async function deleteTopics(context: TrialContext, topics: string[]): Promise<void> {
  const admin = testKafka(context.brokers, 'lockstep-chaos-campaign').admin();
  await bestEffort(
    () => admin.connect(),
    () => admin.deleteTopics({ topics }),
    () => admin.disconnect(),
  );
}
