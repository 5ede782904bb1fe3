import { randomUUID } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { kafkaServiceUnderTest, killService, startService, testServices } from '../env';
import { useTempDir } from '../support/chaos-fixtures';
import { DOUBLED_TRANSFORM_LINE, exactlyOnceHeader, kafkaJsonSourceLine } from '../support/chaos-pipeline-yaml';
import { readDoubledOutput } from '../support/kafka-doubled-output';
import { describeTally, produceChaosRecords } from '../support/kafka-topics';
import { startLockstep } from '../support/lockstep-process';
import { createTestTopics, testKafka } from '../support/test-kafka';

/**
 * The broker dies under a running pipeline: `lockstep run` copies Kafka (3 partitions, bounded) → map → throttle →
 * Kafka exactly-once with checkpoints every 500 ms; once it has completed a checkpoint and is mid-stream, the test
 * SIGKILLs the (only) broker, leaves it down for 10 s and starts it again on the same port and data. The same run must
 * recover by itself and finish (exit 0); a read_committed consumer (kafkajs' public consumer) must then see every id
 * exactly once, and no transaction of the pipeline may be left open. The recovery time — from the broker answering
 * again to the next checkpoint completed in the checkpoint folder — is printed, not asserted (speed targets live in
 * bench/).
 */
const kafkaService = kafkaServiceUnderTest();
const { brokers } = testServices().kafka;
const RECORDS = Number(process.env.LOCKSTEP_BROKER_RESTART_RECORDS ?? 60_000);
/** Paced so the source is still reading when the broker dies, and long after it is back (≥ 20 s of input). */
const RATE = Number(process.env.LOCKSTEP_BROKER_RESTART_RATE ?? 3_000);
const DOWN_MS = Number(process.env.LOCKSTEP_BROKER_RESTART_DOWN_MS ?? 10_000);
/** The kill comes this long after the run's first completed checkpoint. */
const KILL_AFTER_FIRST_CHECKPOINT_MS = 2_000;
const PARTITIONS = 3;

function pipelineYaml(name: string, dir: string, input: string, output: string): string {
  const brokerList = JSON.stringify(brokers);
  return [
    ...exactlyOnceHeader(name, dir, 3),
    'sources:',
    kafkaJsonSourceLine(brokers, input),
    'transforms:',
    DOUBLED_TRANSFORM_LINE,
    `  - { id: pace, type: throttle, recordsPerSecond: ${RATE} }`,
    'sinks:',
    `  - { id: out, type: kafka, brokers: ${brokerList}, topic: ${output}, keyField: id }`,
    '',
  ].join('\n');
}

/** Watches a checkpoint folder: when each checkpoint id first appeared there (the checkpoint completed). */
class CheckpointWatch {
  private readonly seen = new Map<number, number>();
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(private readonly dir: string) {
    this.loop = this.poll();
  }

  /** The first checkpoint that completed at or after `since` (ms since the epoch), with when it was seen. */
  firstSince(since: number): { id: number; at: number } | undefined {
    const after = [...this.seen].filter(([, at]) => at >= since).sort(([a], [b]) => a - b)[0];
    return after && { id: after[0], at: after[1] };
  }

  get count(): number {
    return this.seen.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async poll(): Promise<void> {
    while (!this.stopped) {
      const names = await readdir(this.dir).catch(() => [] as string[]);
      const now = Date.now();
      for (const name of names) {
        const id = /^chk-(\d+)\.json$/.exec(name)?.[1];
        if (id !== undefined && !this.seen.has(Number(id))) this.seen.set(Number(id), now);
      }
      await sleep(50);
    }
  }
}

/** The engine's restart lines in a run's log. */
function restartsIn(text: string): number {
  return text.split('\n').filter((line) => /; restart \d+\/\d+|restarting from the last completed checkpoint/.test(line)).length;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
}

describe(`kafka → kafka while the broker (${kafkaService}) is killed and started again`, () => {
  const kafka = testKafka(brokers, 'lockstep-broker-restart');
  const tempDir = useTempDir('lockstep-broker-restart-');

  /** Entries in `topic`'s log, all partitions: an upper bound of the records written to it. */
  async function logLength(topic: string): Promise<number> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(topic)).reduce((sum, entry) => sum + Number(entry.high) - Number(entry.low), 0);
    } finally {
      await admin.disconnect();
    }
  }

  async function withTopics(topics: string[], work: () => Promise<void>): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await createTestTopics(admin, topics.map((topic) => ({ topic, numPartitions: PARTITIONS })));
      await work();
    } finally {
      // The broker is shared with the rest of the run: it must be up again whatever happened.
      await startService(kafkaService);
      await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.disconnect();
    }
  }

  /**
   * Kills the broker once the run completed a checkpoint and is still reading, starts it again after DOWN_MS, and
   * returns when it answered again and when the next checkpoint completed after that.
   */
  async function breakBroker(watch: CheckpointWatch, output: string, exited: () => boolean) {
    await waitFor('a first completed checkpoint', () => watch.count > 0 || exited(), 120_000);
    await sleep(KILL_AFTER_FIRST_CHECKPOINT_MS);
    // Still reading: the output's log (records, aborted ones and markers included) is short of the input.
    const writtenBeforeKill = await logLength(output);
    expect(exited()).toBe(false);
    expect(writtenBeforeKill).toBeLessThan(RECORDS);
    await killService(kafkaService);
    const killedAt = Date.now();
    await sleep(DOWN_MS);
    const { ms: startMs } = await startService(kafkaService);
    const backAt = Date.now();
    await waitFor('the next completed checkpoint', () => watch.firstSince(backAt) !== undefined || exited(), 300_000);
    return { writtenBeforeKill, downMs: backAt - killedAt, startMs, backAt, recovered: watch.firstSince(backAt) };
  }

  it('recovers in the same run: every id exactly once, no transaction left open', async () => {
    const dir = tempDir();
    const run = randomUUID().slice(0, 8);
    const name = `broker-restart-${run}`;
    const [input, output] = [`broker-restart-in-${run}`, `broker-restart-out-${run}`];
    await withTopics([input, output], async () => {
      await produceChaosRecords(kafka, input, RECORDS);
      const checkpoints = join(dir, 'checkpoints');
      const file = join(dir, 'pipeline.yaml');
      await writeFile(file, pipelineYaml(name, dir, input, output));
      const logFile = join(dir, 'run.log');
      const watch = new CheckpointWatch(checkpoints);
      // Production retry timings: jest's NODE_ENV=test would give kafkajs and core/sdk retry their fast test defaults.
      const lockstep = startLockstep(['run', file], logFile, { NODE_ENV: undefined });
      let exit: number | string | undefined;
      void lockstep.exited.then((code) => (exit = code));
      try {
        const outage = await breakBroker(watch, output, () => exit !== undefined);
        const code = await Promise.race([lockstep.exited, sleep(300_000, 'still running', { ref: false })]);
        const text = await readFile(logFile, 'utf8');
        const seen = await readDoubledOutput(kafka, brokers, output, { records: RECORDS, transactionPrefix: `${name}-out` });
        const { recovered } = outage;
        process.stdout.write(
          `broker restart (${testServices().kafka.version}): down ${seconds(outage.downMs)} (its start took ${seconds(outage.startMs)}); ` +
            `recovery, broker back → next completed checkpoint: ${recovered ? `${seconds(recovered.at - outage.backAt)} (checkpoint ${recovered.id})` : 'none'}; ` +
            `${outage.writtenBeforeKill} of ${RECORDS} in the output's log when it died; ${restartsIn(text)} restarts; exit ${String(code)}; ` +
            `read_committed saw ${seen.records} records: ${describeTally(seen.tally)}, ${seen.malformed.length} malformed; ` +
            `${seen.open.length} transactions left open\n`,
        );
        if (code !== 0) process.stdout.write(`the run's last lines:\n${text.trimEnd().split('\n').slice(-40).join('\n')}\n`);
        expect(code).toBe(0);
        expect(recovered).toBeDefined();
        expect(seen.malformed.slice(0, 5)).toEqual([]);
        expect(seen.tally.duplicated.slice(0, 5)).toEqual([]);
        expect(seen.tally.missing.slice(0, 5)).toEqual([]);
        expect(seen.tally.foreign.slice(0, 5)).toEqual([]);
        expect(seen.records).toBe(RECORDS);
        expect(seen.open).toEqual([]);
      } finally {
        await watch.stop();
        if (exit === undefined) lockstep.child.kill('SIGKILL');
      }
    });
  }, 900_000);
});
