import type { Admin, Kafka } from 'kafkajs';
import { createCluster, listTransactions } from '../../connectors/kafka/internals';

/** The input the crash tests copy: unique ids, a sequence number and a little text. */
export interface ChaosRecord {
  readonly id: string;
  readonly seq: number;
  readonly note: string;
}

export function chaosRecord(seq: number): ChaosRecord {
  return { id: `r-${seq}`, seq, note: `record ${seq}` };
}

/**
 * Writes `count` JSON records (`chaosRecord(0 … count-1)`, keyed by id) to `topic`, in batches of 10,000, with an
 * idempotent producer: a plain kafkajs producer that retries a produce request whose answer was late (a loaded
 * machine) writes that partition's batch twice, and the test would then blame the pipeline for the input's
 * duplicates (seen once in 105 campaign trials: one input partition held each of its records twice). The topic's end
 * offsets are checked afterwards: they must have grown by exactly `count`.
 */
export async function produceChaosRecords(kafka: Kafka, topic: string, count: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  try {
    const before = await endOffsetSum(admin, topic);
    await producer.connect();
    const chunk = 10_000;
    for (let start = 0; start < count; start += chunk) {
      const messages = [];
      for (let seq = start; seq < Math.min(count, start + chunk); seq += 1) {
        const record = chaosRecord(seq);
        messages.push({ key: record.id, value: JSON.stringify(record) });
      }
      await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
    }
    const written = (await endOffsetSum(admin, topic)) - before;
    if (written !== count) throw new Error(`test input: ${topic} grew by ${written} records, not ${count} (the test's producer wrote a batch twice or lost one)`);
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
}

/** The sum of `topic`'s end offsets; a topic created a moment ago may have no leader yet, so retried for up to 10 s. */
async function endOffsetSum(admin: Admin, topic: string): Promise<number> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
    } catch (error) {
      if (attempt >= 40) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/**
 * Transactions whose id starts with `prefix-` that the broker holds in one of `states` (by default: open, or half-way
 * through their end).
 */
export async function openKafkaTransactions(
  kafka: Kafka,
  prefix: string,
  states: readonly string[] = ['Ongoing', 'PrepareCommit', 'PrepareAbort'],
): Promise<{ transactionalId: string; state: string }[]> {
  const cluster = createCluster(kafka);
  await cluster.connect();
  try {
    const open = await listTransactions(cluster, states);
    return open.filter((entry) => entry.transactionalId.startsWith(`${prefix}-`));
  } finally {
    await cluster.disconnect();
  }
}

/** How often each expected id (`r-0 … r-<count-1>`) was seen: the exactly-once verdict of a crash trial. */
export interface IdTally {
  readonly distinct: number;
  readonly duplicated: readonly string[];
  readonly missing: readonly string[];
  /** Ids that are not expected at all. */
  readonly foreign: readonly string[];
}

export function tallyIds(ids: Iterable<string>, count: number): IdTally {
  const seen = new Map<string, number>();
  for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
  const missing: string[] = [];
  for (let seq = 0; seq < count; seq += 1) if (!seen.has(`r-${seq}`)) missing.push(`r-${seq}`);
  const expected = (id: string) => /^r-\d+$/.test(id) && Number(id.slice(2)) < count;
  return {
    distinct: seen.size,
    duplicated: [...seen].filter(([, times]) => times > 1).map(([id]) => id),
    missing,
    foreign: [...seen.keys()].filter((id) => !expected(id)),
  };
}

export function describeTally(tally: IdTally): string {
  return `${tally.distinct} distinct ids, ${tally.duplicated.length} duplicated, ${tally.missing.length} missing, ${tally.foreign.length} foreign`;
}
