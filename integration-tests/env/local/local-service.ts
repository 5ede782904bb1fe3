import type { Logger } from 'pino';
import type { ServiceFaults } from '../service-provider';

/** What every local launcher gets: where to cache downloads and data, and a logger. */
export interface LocalServiceContext {
  /** Root cache folder (jars, compiled launchers, template data dirs). Default `~/.cache/lockstep`. */
  readonly cacheDir: string;
  /** A fresh per-run scratch folder for this service (logs, data dirs); removed after the run. */
  readonly runDir: string;
  readonly log: Logger;
}

/** A started local service: the connection facts and a way to stop it (idempotent, kills the whole process tree). */
export interface StartedLocalService<TInfo> {
  readonly info: TInfo;
  /** PIDs of the OS processes this service owns (used by the supervisor to kill leftovers). */
  readonly pids: () => number[];
  /** Present when the service can be crashed and started again on the same port and data (see restartable-process). */
  readonly faults?: ServiceFaults;
  stop(): Promise<void>;
}
