import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, IHeaders, Message } from 'kafkajs';
import { testServices } from '../env';
import { readCommitted, type CommittedMessage } from '../support/kafka-read-committed';
import { startLockstep } from '../support/lockstep-process';
import { createTestTopics, testKafka } from '../support/test-kafka';

/**
 * Pass-through by default, through `lockstep run` against the real broker: records written by a producer that is not
 * lockstep (kafkajs' public producer) — binary values that are not UTF-8, JSON, text with a byte-order mark,
 * tombstones, binary and text keys, binary, text and repeated headers, explicit timestamps — copied by a pipeline
 * with default formats, and read back by an independent consumer (kafkajs' public consumer): every byte, header and
 * timestamp equal. Then the same for Kafka → file and file → Kafka, and a pipeline that asks for JSON.
 */
const { brokers } = testServices().kafka;
const brokerList = JSON.stringify(brokers);

/** Bytes that are not valid UTF-8 (0xff never occurs in UTF-8), unique per record. */
const binary = (seq: number): Buffer => Buffer.concat([Buffer.from([0xff, 0xc3, 0x28, seq % 256]), randomBytes(24)]);

/** Sixty records mixing every shape a producer may write; timestamps an hour ago, one second apart. */
function inputMessages(): Message[] {
  const base = Date.now() - 3_600_000;
  return Array.from({ length: 60 }, (_, seq) => {
    const values = [binary(seq), Buffer.from(JSON.stringify({ id: seq, note: 'é ✓' })), Buffer.from(`\ufeffline ${seq}`), null];
    const keys = [Buffer.from([0xfe, seq]), Buffer.from(`k-${seq}`), null];
    const headerSets: IHeaders[] = [
      {},
      { trace: `t-${seq}`, bin: Buffer.from([0x80, seq]) },
      { repeated: ['first', Buffer.from([0xff, seq]), 'last'], empty: Buffer.alloc(0) },
    ];
    const value = values[seq % 4] ?? null;
    // a tombstone always has a key, so that every record is unique
    const key = value === null ? Buffer.from(`tombstone-${seq}`) : (keys[seq % 3] ?? null);
    return { key, value, headers: headerSets[seq % 3] ?? {}, timestamp: String(base + seq * 1000) };
  });
}

const hex = (bytes: Buffer | string | null | undefined): string => (bytes === null || bytes === undefined ? 'null' : Buffer.from(bytes).toString('hex'));

function headersText(headers: IHeaders | undefined): string {
  return Object.entries(headers ?? {})
    .map(([name, value]) => `${name}=${(Array.isArray(value) ? value : [value]).map((entry) => hex(entry as Buffer | string)).join(',')}`)
    .sort()
    .join(';');
}

/** One record as comparable text: key, value and headers as hex, and the timestamp. */
const sent = (message: Message): string =>
  `${hex(message.key as Buffer | null)}|${hex(message.value as Buffer | null)}|${headersText(message.headers)}|${message.timestamp ?? ''}`;
const seen = (message: CommittedMessage): string =>
  `${hex(message.keyBytes)}|${hex(message.valueBytes)}|${headersText(message.headers)}|${message.timestamp}`;

describe('pass-through by default (lockstep run)', () => {
  const kafka = testKafka(brokers, 'lockstep-pass-through');
  let admin: Admin;
  let dir: string;
  let run: string;
  const topics: string[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-pass-through-'));
    run = randomUUID().slice(0, 8);
    admin = kafka.admin();
    await admin.connect();
  });

  afterEach(async () => {
    await admin.deleteTopics({ topics: topics.splice(0) }).catch(() => undefined);
    await admin.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  async function createTopics(...names: string[]): Promise<void> {
    topics.push(...names);
    await createTestTopics(admin, names.map((topic) => ({ topic, numPartitions: 3 })));
  }

  async function produce(topic: string, messages: Message[]): Promise<void> {
    // idempotent: a retried produce request (a topic just created) must not write a batch twice
    const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages });
    } finally {
      await producer.disconnect();
    }
  }

  async function runPipeline(name: string, lines: readonly string[]): Promise<void> {
    const file = join(dir, `${name}.yaml`);
    const header = [`name: ${name}-${run}`, `checkpoint: { interval: 200ms, timeout: 30s, storage: "${join(dir, `chk-${name}`)}" }`, 'parallelism: 2'];
    await writeFile(file, [...header, ...lines, ''].join('\n'));
    const log = join(dir, `${name}.log`);
    const code = await startLockstep(['run', file], log).exited;
    if (code !== 0) throw new Error(`${name} exited ${code}:\n${await readFile(log, 'utf8')}`);
  }

  it('kafka → kafka with default formats copies keys, values, headers and timestamps byte for byte', async () => {
    const [input, output] = [`pass-in-${run}`, `pass-out-${run}`];
    await createTopics(input, output);
    const messages = inputMessages();
    await produce(input, messages);
    await runPipeline('copy', [
      `sources: [{ id: in, type: kafka, brokers: ${brokerList}, topics: [${input}], bounded: latest }]`,
      `sinks: [{ id: out, type: kafka, brokers: ${brokerList}, topic: ${output} }]`,
    ]);
    const copied = await readCommitted(brokers, output);
    expect(copied.map(seen).sort()).toEqual(messages.map(sent).sort());
    // the oracle reads what was produced the same way, so the comparison is not one-sided
    expect((await readCommitted(brokers, input)).map(seen).sort()).toEqual(messages.map(sent).sort());
  }, 120_000);

  it('a pipeline that asks for JSON parses and writes JSON, keeping keys and timestamps', async () => {
    const [input, output] = [`json-in-${run}`, `json-out-${run}`];
    await createTopics(input, output);
    const timestamp = String(Date.now() - 60_000);
    await produce(
      input,
      Array.from({ length: 20 }, (_, n) => ({ key: `k-${n}`, value: JSON.stringify({ n, text: `"quoted" ${n}` }), timestamp })),
    );
    await runPipeline('json', [
      `sources: [{ id: in, type: kafka, brokers: ${brokerList}, topics: [${input}], bounded: latest, valueFormat: json }]`,
      'transforms: [{ id: double, type: map, set: { doubled: "value.n * 2" } }]',
      `sinks: [{ id: out, type: kafka, brokers: ${brokerList}, topic: ${output} }]`,
    ]);
    const copied = await readCommitted(brokers, output);
    const rows = copied.map((message) => ({ key: message.key, timestamp: String(message.timestamp), value: JSON.parse(message.value ?? 'null') as unknown }));
    const expected = Array.from({ length: 20 }, (_, n) => ({ key: `k-${n}`, timestamp, value: { n, text: `"quoted" ${n}`, doubled: n * 2 } }));
    const byKey = (a: { key: string | null }, b: { key: string | null }) => String(a.key).localeCompare(String(b.key));
    expect(rows.sort(byKey)).toEqual(expected.sort(byKey));
  }, 120_000);

  it('kafka → file writes each value as it is, one per line; file → kafka writes each line as it is', async () => {
    const [input, output] = [`file-in-${run}`, `file-out-${run}`];
    await createTopics(input, output);
    // values without a newline byte, so that each is one line
    const values = Array.from({ length: 30 }, (_, n) =>
      n % 3 === 0
        ? Buffer.from([0xff, n, ...randomBytes(16)].filter((byte) => byte !== 0x0a))
        : Buffer.from(n % 3 === 1 ? `{"id":${n},"é":true}` : `plain text ${n} ✓`),
    );
    await produce(input, values.map((value) => ({ value })));
    const out = join(dir, 'out');
    await runPipeline('to-file', [
      `sources: [{ id: in, type: kafka, brokers: ${brokerList}, topics: [${input}], bounded: latest }]`,
      `sinks: [{ id: files, type: file, path: "${out}" }]`,
    ]);
    const parts = (await readdir(out)).filter((name) => name.endsWith('.jsonl'));
    const written = Buffer.concat(await Promise.all(parts.map((name) => readFile(join(out, name)))));
    const lines = splitLines(written);
    expect(lines.map((line) => line.toString('hex')).sort()).toEqual(values.map((value) => value.toString('hex')).sort());

    const text = values.filter((_, n) => n % 3 !== 0);
    const inputDir = join(dir, 'in');
    await mkdir(inputDir);
    await writeFile(join(inputDir, 'lines.jsonl'), Buffer.concat(text.flatMap((line) => [line, Buffer.from('\n')])));
    await runPipeline('from-file', [
      `sources: [{ id: in, type: file, path: "${inputDir}" }]`,
      `sinks: [{ id: out, type: kafka, brokers: ${brokerList}, topic: ${output} }]`,
    ]);
    const copied = await readCommitted(brokers, output);
    expect(copied.map((message) => hex(message.valueBytes)).sort()).toEqual(text.map((line) => hex(line)).sort());
  }, 180_000);
});

function splitLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  for (let start = 0; start < bytes.length; ) {
    const end = bytes.indexOf(0x0a, start);
    lines.push(bytes.subarray(start, end));
    start = end + 1;
  }
  return lines;
}
