import { killGroup, waitUntilReady, type ServiceProcess } from './service-process';

/**
 * A running local service that a fault test can crash and bring back: `kill` SIGKILLs its whole process group (no
 * clean shutdown, as a machine or OOM kill would), `start` launches it again with the same command line — same
 * port, same data dir — and resolves once it answers. Operations run one after another in call order.
 */
export interface RestartableProcess {
  /** The pid of the current process, if it runs. */
  readonly pids: () => number[];
  /** SIGKILL to the process group; resolves once the process is gone. A no-op when it is not running. */
  kill(): Promise<void>;
  /** Launches the service again after a `kill`, then waits until it answers. A no-op when it is running. */
  start(): Promise<void>;
  /** The end-of-run stop (graceful, then SIGKILL). Idempotent; no `start` is accepted afterwards. */
  stop(): Promise<void>;
}

export interface RestartableProcessOptions {
  /** Used in error messages, e.g. `kafka 4.3.1`. */
  readonly name: string;
  /** Spawns the service again; `launch` counts the restarts from 1 (for log file names). */
  readonly relaunch: (launch: number) => ServiceProcess;
  /** True once the relaunched service answers. */
  readonly ready: () => Promise<boolean>;
  readonly readyTimeoutMs: number;
  /** The service's own clean stop of one process. */
  readonly stopProcess: (proc: ServiceProcess) => Promise<void>;
}

/** Wraps `first` (already started and ready) so that it can be killed and started again. */
export function restartableProcess(first: ServiceProcess, options: RestartableProcessOptions): RestartableProcess {
  let current = first;
  let launches = 0;
  let stopped = false;
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const result = queue.then(work);
    queue = result.catch(() => undefined);
    return result;
  };
  const kill = async (): Promise<void> => {
    if (!current.isRunning()) return;
    killGroup(current.pid, 'SIGKILL');
    await current.exited;
  };
  const start = async (): Promise<void> => {
    if (stopped) throw new Error(`${options.name} was stopped for good; it cannot be started again`);
    if (current.isRunning()) return;
    launches += 1;
    const proc = options.relaunch(launches);
    current = proc;
    try {
      await waitUntilReady(options.name, proc, options.ready, options.readyTimeoutMs);
    } catch (error) {
      await options.stopProcess(proc);
      throw error;
    }
  };
  let stopping: Promise<void> | undefined;
  return {
    pids: () => (current.isRunning() ? [current.pid] : []),
    kill: () => serially(kill),
    start: () => serially(start),
    stop: () => {
      stopped = true;
      stopping ??= serially(() => options.stopProcess(current));
      return stopping;
    },
  };
}
