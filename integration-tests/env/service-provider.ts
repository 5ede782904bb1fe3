import type { Logger } from 'pino';
import type { ProviderName, TestServices } from './test-services';

/**
 * The services a test run can ask for. `kafka3` is a second, older Kafka broker (3.9): the Kafka suites run once
 * against each (the jest project `integration-kafka3`, see jest.config.js).
 */
export const SERVICE_NAMES = ['kafka', 'kafka3', 'postgres', 'elasticsearch', 'kinesis'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** What a provider hands back: the facts of every service it started (only those asked for). */
export type ProvisionedServices = Partial<Omit<TestServices, 'provider'>> & { readonly provider: ProviderName };

/**
 * Crashing a running service and starting it again, for fault tests: `kill` ends it as a crash would (SIGKILL, no
 * clean shutdown), `start` brings it back on the same address with the same data and resolves once it answers.
 */
export interface ServiceFaults {
  kill(): Promise<void>;
  start(): Promise<void>;
}

/** A running set of services; `stop` is idempotent and stops every process or container the provider started. */
export interface RunningServices {
  readonly services: ProvisionedServices;
  /** OS processes owned by the run (empty for containers and external services). */
  readonly pids: () => number[];
  /** Kill and start for one service; undefined when the provider cannot do it (containers, external services). */
  readonly faults: (name: ServiceName) => ServiceFaults | undefined;
  stop(): Promise<void>;
}

/** Context a provider gets from the supervisor. */
export interface ProviderContext {
  readonly cacheDir: string;
  readonly runDir: string;
  readonly log: Logger;
  /** Called with a short human line for every step, so a slow start shows progress. */
  readonly progress: (line: string) => void;
}

/**
 * One way of getting real services: testcontainers (Docker), local processes, or external URLs.
 * `start` either returns every asked-for service running, or throws after stopping what it had started.
 */
export interface ServiceProvider {
  readonly name: ProviderName;
  /** Downloads and caches what `start` needs without starting anything (jars, templates). Idempotent. */
  prepare(names: readonly ServiceName[], context: ProviderContext): Promise<void>;
  start(names: readonly ServiceName[], context: ProviderContext): Promise<RunningServices>;
}
