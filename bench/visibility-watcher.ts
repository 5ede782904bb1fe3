/**
 * The visibility watcher of bench:flink (issue 17): a worker thread that polls one output topic's partitions every
 * few ms for the broker's high watermark and last stable offset (two kafkajs ListOffsets requests for the latest
 * offset, read_uncommitted and read_committed), until told to stop and every appended offset is visible. It measures
 * from the broker's side, whichever system writes: bench/visibility.ts turns its polls into per-record latencies.
 * A thread of its own, so that a busy event loop in the bench's process (lockstep's pipeline runs there) does not
 * delay its polls; it reports its own CPU time so the bench can take it out of lockstep's.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Kafka, logLevel } from 'kafkajs';
import { createCluster, ISOLATION_LEVEL, type KafkaBroker } from '../connectors/kafka/internals/cluster';
import { partitionLatencies, pollGaps, type OffsetsPoll, type PartitionLatencies } from './visibility';

interface WatchOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly partitions: number;
  readonly pollMs: number;
  /** Longest the watcher goes on after `stop()` for the last offsets to become visible. */
  readonly graceMs: number;
}

export interface WatchResult {
  readonly partitions: readonly PartitionLatencies[];
  readonly polls: number;
  /** Time between successive polls, ms: the resolution of every latency measured. */
  readonly pollGapsMs: readonly number[];
  /** Polls that failed (and were left out). */
  readonly errors: number;
  /** CPU time the watcher's thread used, ms. */
  readonly cpuMs: number;
}

export interface VisibilityWatch {
  /** The CPU time the watcher's thread has used so far, ms. */
  cpuMs(): Promise<number>;
  /** Stops polling once every appended offset is visible (or the grace time is over) and returns what it saw. */
  stop(): Promise<WatchResult>;
}

type ToWorker = { readonly type: 'cpu' } | { readonly type: 'stop' };
type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'cpu'; readonly ms: number }
  | { readonly type: 'done'; readonly polls: readonly (readonly OffsetsPoll[])[]; readonly errors: number; readonly cpuMs: number }
  | { readonly type: 'failed'; readonly message: string };

/** Starts watching `topic`; resolves once the first poll is done, so offsets appended after that are all timed. */
export function startVisibilityWatcher(options: WatchOptions): Promise<VisibilityWatch> {
  const worker = new Worker(__filename, { workerData: options });
  const cpuWaiters: { resolve: (ms: number) => void; reject: (error: Error) => void }[] = [];
  let finish: ((result: WatchResult) => void) | undefined;
  // Before it is ready: the start fails; after: the next stop() does (a watcher that died early has no result).
  let failure: Error | undefined;
  let fail = (error: Error): void => {
    failure = error;
  };
  let done = false;
  return new Promise((resolveStart, rejectStart) => {
    fail = rejectStart;
    worker.on('error', (error) => fail(error));
    worker.on('exit', (code) => {
      if (!done) fail(new Error(`the visibility watcher exited (${code}) before it was done`));
    });
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'ready') {
        fail = (error) => {
          failure = error;
          for (const waiter of cpuWaiters.splice(0)) waiter.reject(error);
        };
        resolveStart(watch);
      } else if (message.type === 'cpu') cpuWaiters.shift()?.resolve(message.ms);
      else if (message.type === 'failed') fail(new Error(`the visibility watcher failed: ${message.message}`));
      else {
        done = true;
        const polls = message.polls;
        finish?.({
          partitions: polls.map(partitionLatencies),
          polls: polls[0]?.length ?? 0,
          pollGapsMs: pollGaps((polls[0] ?? []).map((poll) => poll.at)),
          errors: message.errors,
          cpuMs: message.cpuMs,
        });
        void worker.terminate();
      }
    });
    const send = (message: ToWorker): void => worker.postMessage(message);
    const watch: VisibilityWatch = {
      cpuMs: () =>
        new Promise((resolve, reject) => {
          if (failure !== undefined) return reject(failure);
          cpuWaiters.push({ resolve, reject });
          send({ type: 'cpu' });
        }),
      stop: () =>
        new Promise((resolve, reject) => {
          if (failure !== undefined) return reject(failure);
          finish = resolve;
          fail = reject;
          send({ type: 'stop' });
        }),
    };
  });
}

/** The part of kafkajs' internal `Broker` (src/broker/index.js) the watcher calls: ListOffsets, v2+ with isolation. */
interface ListOffsetsBroker extends KafkaBroker {
  listOffsets(request: {
    isolationLevel: number;
    topics: { topic: string; partitions: { partition: number; timestamp: number }[] }[];
  }): Promise<{ responses: { topic: string; partitions: { partition: number; offset: string }[] }[] }>;
}

const threadCpuMs = (): number => {
  const cpu = process.threadCpuUsage();
  return (cpu.user + cpu.system) / 1000;
};

async function watchInWorker(options: WatchOptions): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('the visibility watcher runs in a worker thread');
  const kafka = new Kafka({ brokers: [...options.brokers], clientId: 'lockstep-bench-visibility', logLevel: logLevel.NOTHING });
  const cluster = createCluster(kafka, { isolationLevel: ISOLATION_LEVEL.READ_COMMITTED });
  let stopBy: number | undefined;
  port.on('message', (message: ToWorker) => {
    if (message.type === 'cpu') port.postMessage({ type: 'cpu', ms: threadCpuMs() } satisfies FromWorker);
    else stopBy = Date.now() + options.graceMs;
  });
  await cluster.connect();
  await cluster.addMultipleTargetTopics([options.topic]);
  const partitions = Array.from({ length: options.partitions }, (_, partition) => partition);
  const leaders = await Promise.all(
    Object.entries(cluster.findLeaderForPartitions(options.topic, partitions)).map(async ([nodeId, led]) => ({
      broker: (await cluster.findBroker({ nodeId })) as ListOffsetsBroker,
      topics: [{ topic: options.topic, partitions: led.map((partition) => ({ partition, timestamp: -1 })) }],
    })),
  );
  const polls: OffsetsPoll[][] = partitions.map(() => []);
  let errors = 0;
  for (;;) {
    const at = Date.now();
    try {
      const answers = await Promise.all(
        leaders.map(async ({ broker, topics }) => {
          // The stable offset is asked first: the broker answers in order, so the high watermark beside it is as new.
          const [stable, high] = await Promise.all([
            broker.listOffsets({ isolationLevel: ISOLATION_LEVEL.READ_COMMITTED, topics }),
            broker.listOffsets({ isolationLevel: ISOLATION_LEVEL.READ_UNCOMMITTED, topics }),
          ]);
          const offsets = (answer: typeof stable): Map<number, number> =>
            new Map(answer.responses.flatMap((response) => response.partitions.map((partition) => [partition.partition, Number(partition.offset)] as const)));
          return { stable: offsets(stable), high: offsets(high) };
        }),
      );
      const stable = new Map(answers.flatMap((answer) => [...answer.stable]));
      const high = new Map(answers.flatMap((answer) => [...answer.high]));
      for (const partition of partitions) {
        const highWatermark = high.get(partition);
        const stableOffset = stable.get(partition);
        if (highWatermark === undefined || stableOffset === undefined) throw new Error(`no offsets for partition ${partition}`);
        polls[partition]?.push({ at, highWatermark, stableOffset });
      }
      if (polls[0]?.length === 1) port.postMessage({ type: 'ready' } satisfies FromWorker);
    } catch {
      errors += 1;
      if (polls[0]?.length === 0 && errors >= 100) throw new Error(`ListOffsets on ${options.topic} failed 100 times`);
    }
    const caughtUp = polls.every((list) => {
      const last = list[list.length - 1];
      return last !== undefined && last.stableOffset >= last.highWatermark;
    });
    if (stopBy !== undefined && (caughtUp || Date.now() >= stopBy)) break;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, at + options.pollMs - Date.now())));
  }
  await cluster.disconnect();
  port.postMessage({ type: 'done', polls, errors, cpuMs: threadCpuMs() } satisfies FromWorker);
}

if (!isMainThread && (workerData as WatchOptions | undefined)?.topic !== undefined) {
  watchInWorker(workerData as WatchOptions).catch((error: unknown) => {
    parentPort?.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies FromWorker);
  });
}
