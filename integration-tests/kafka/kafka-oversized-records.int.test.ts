import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Message } from 'kafkajs';
import { testServices } from '../env';
import { readCommitted } from '../support/kafka-read-committed';
import { describeTally, openKafkaTransactions, tallyIds } from '../support/kafka-topics';
import { startLockstep } from '../support/lockstep-process';
import { createTestTopics, testKafka } from '../support/test-kafka';

/**
 * A record that can never fit (issue 12): a 5 MB value copied from a topic that allows it into a topic with Kafka's
 * default 1 MiB limit, through `lockstep run` against the real broker. Under `fail` the run ends at once (no restart)
 * with one line naming the record and the limit, and nothing is committed; under `dead-letter` the other records land
 * exactly once and the dead-letter topic holds the big one, every byte of it. Exit times are printed, not asserted.
 */
const { brokers } = testServices().kafka;
const brokerList = JSON.stringify(brokers);
const SMALL = 100;
const BIG_AT = 50;
const BIG_BYTES = 5 * 1024 * 1024;

describe('a record larger than its topic allows (lockstep run)', () => {
  const kafka = testKafka(brokers, 'lockstep-oversized');
  let admin: Admin;
  let dir: string;
  let run: string;
  let input: string;
  let output: string;
  let big: Buffer;
  const topics: string[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-oversized-'));
    run = randomUUID().slice(0, 8);
    [input, output] = [`big-in-${run}`, `big-out-${run}`];
    admin = kafka.admin();
    await admin.connect();
    topics.push(input, output);
    await createTestTopics(admin, [
      { topic: input, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: String(8 * 1024 * 1024) }] },
      { topic: output, numPartitions: 3 },
    ]);
    // records r-0 … r-99, and at offset 50 a 5 MB value of random bytes
    big = randomBytes(BIG_BYTES);
    const messages: Message[] = [];
    for (let seq = 0; seq < SMALL; seq += 1) {
      if (seq === BIG_AT) messages.push({ key: 'big', value: big });
      messages.push({ key: `r-${seq}`, value: JSON.stringify({ id: `r-${seq}` }) });
    }
    const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await producer.send({ topic: input, acks: -1, messages: messages.slice(0, BIG_AT) });
      await producer.send({ topic: input, acks: -1, messages: messages.slice(BIG_AT, BIG_AT + 1) });
      await producer.send({ topic: input, acks: -1, messages: messages.slice(BIG_AT + 1) });
    } finally {
      await producer.disconnect();
    }
  }, 60_000);

  afterEach(async () => {
    await admin.deleteTopics({ topics: topics.splice(0) }).catch(() => undefined);
    await admin.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  async function runPipeline(name: string, interval: string, lines: readonly string[]): Promise<{ code: number | string; ms: number; log: string }> {
    const file = join(dir, `${name}.yaml`);
    const header = [`name: ${name}-${run}`, `checkpoint: { interval: ${interval}, timeout: 30s, storage: "${join(dir, 'checkpoints')}" }`];
    const source = `sources: [{ id: in, type: kafka, brokers: ${brokerList}, topics: [${input}], bounded: latest }]`;
    await writeFile(file, [...header, source, ...lines, ''].join('\n'));
    const logFile = join(dir, `${name}.log`);
    const started = Date.now();
    const lockstep = startLockstep(['run', file], logFile);
    const timeout = setTimeout(() => lockstep.child.kill('SIGKILL'), 120_000);
    const code = await lockstep.exited;
    clearTimeout(timeout);
    return { code, ms: Date.now() - started, log: await readFile(logFile, 'utf8') };
  }

  it('fail: exits non-zero at once, one line naming the record and the limit, nothing committed', async () => {
    // no checkpoint before the failure: everything written is in the open transaction
    const { code, ms, log } = await runPipeline('oversized-fail', '60s', [`sinks: [{ id: out, type: kafka, brokers: ${brokerList}, topic: ${output} }]`]);
    const failed = log.split('\n').filter((line) => line.startsWith(`pipeline oversized-fail-${run} FAILED`));
    console.log(`oversized record, policy fail: exit ${code} ${ms} ms after start; ${failed[0] ?? '(no FAILED line)'}`);
    expect(code).toBe(1);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toContain(`record ${input}/0@${BIG_AT}`);
    expect(failed[0]).toMatch(/takes \d+ bytes as a record batch, more than the 1048588 bytes topic \S+ accepts \(max.message.bytes of topic \S+\)/);
    expect(log).not.toMatch(/; restart \d+\//);
    expect(await readCommitted(brokers, output)).toEqual([]);
    expect(await openKafkaTransactions(kafka, `oversized-fail-${run}-out`)).toEqual([]);
  }, 180_000);

  it('dead-letter: the other records land exactly once, the dead-letter topic has the big one', async () => {
    const dlq = `big-dlq-${run}`;
    topics.push(dlq);
    await createTestTopics(admin, [{ topic: dlq, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: String(16 * 1024 * 1024) }] }]);
    const { code, ms, log } = await runPipeline('oversized-dlq', '500ms', [
      'errors: { policy: dead-letter, sink: dlq }',
      'sinks:',
      `  - { id: out, type: kafka, brokers: ${brokerList}, topic: ${output} }`,
      `  - { id: dlq, type: kafka, brokers: ${brokerList}, topic: ${dlq} }`,
    ]);
    console.log(`oversized record, policy dead-letter: exit ${code} ${ms} ms after start`);
    expect({ code, log: code === 0 ? '' : log }).toEqual({ code: 0, log: '' });

    const copied = await readCommitted(brokers, output);
    const tally = tallyIds(copied.map((message) => message.key ?? ''), SMALL);
    expect(describeTally(tally)).toBe(`${SMALL} distinct ids, 0 duplicated, 0 missing, 0 foreign`);
    expect(copied).toHaveLength(SMALL);

    const letters = await readCommitted(brokers, dlq);
    expect(letters).toHaveLength(1);
    const letter = JSON.parse(letters[0]?.value ?? 'null') as { error: { code: string; message: string; component: string }; origin: string; key: string; value: { base64: string } };
    expect(letter).toMatchObject({ error: { code: 'LS_KAFKA_RECORD_TOO_LARGE', component: 'out' }, origin: `${input}/0@${BIG_AT}`, key: 'big' });
    expect(letter.error.message).toContain('1048588 bytes');
    expect(Buffer.from(letter.value.base64, 'base64').equals(big)).toBe(true);
  }, 180_000);
});
