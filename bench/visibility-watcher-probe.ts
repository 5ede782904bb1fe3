/**
 * Probe (not a test; `npx tsx bench/visibility-watcher-probe.ts`): what bench:flink's visibility watcher costs the
 * broker. Starts a local Kafka 3.9 broker (or uses LOCKSTEP_KAFKA_BROKERS, where the broker's CPU cannot be read: a
 * local one only), creates an idle 3-partition topic and reads the broker process's CPU time (/proc) over PROBE_SECONDS
 * without the watcher, then with it polling every PROBE_POLL_MS, twice each, alternating; prints the watcher thread's
 * own CPU time beside.
 *   PROBE_SECONDS (30)   PROBE_POLL_MS (15)
 */
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { createTopic, kafkaBrokers, PARTITIONS, type Bench } from './kafka.bench';
import { startVisibilityWatcher } from './visibility-watcher';

const ticks = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const broker = await kafkaBrokers('kafka3');
  const port = broker.brokers[0]?.split(':')[1];
  // The process listening on the broker's port (ss from iproute2).
  const pid = Number(/pid=(\d+)/.exec(execSync(`ss -ltnpH 'sport = :${port}'`).toString())?.[1]);
  if (!Number.isInteger(pid)) throw new Error(`no local process listens on ${broker.brokers.join(',')}: the probe needs a local broker`);
  const kafka = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING });
  const bench: Bench = { brokers: broker.brokers, kafka, admin: kafka.admin(), topics: [] };
  await bench.admin.connect();
  const topic = await createTopic(bench, 'probe');
  const seconds = Number(process.env.PROBE_SECONDS ?? 30);
  const pollMs = Number(process.env.PROBE_POLL_MS ?? 15);
  try {
    for (const watching of [false, true, false, true]) {
      const watch = watching ? await startVisibilityWatcher({ brokers: bench.brokers, topic, partitions: PARTITIONS, pollMs, graceMs: 1000 }) : undefined;
      const before = ticks(pid);
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
      await sleep(seconds * 1000);
      const brokerCpuS = (ticks(pid) - before) / 100;
      const result = await watch?.stop();
      process.stdout.write(
        `${watching ? `watcher on (every ${pollMs} ms)` : 'watcher off'}: broker CPU ${brokerCpuS.toFixed(2)} s in ${seconds} s (load ${load})` +
          (result === undefined ? '' : `; watcher thread CPU ${(result.cpuMs / 1000).toFixed(2)} s, ${result.polls} polls`) + '\n',
      );
    }
  } finally {
    await bench.admin.deleteTopics({ topics: bench.topics });
    await bench.admin.disconnect();
    await broker.stop();
  }
}
main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
