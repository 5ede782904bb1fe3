import type { ProvisionedServices, RunningServices, ServiceFaults, ServiceName } from './service-provider';
import type { ProviderName } from './test-services';

/** One started service as a provider holds it. */
export interface StartedService {
  readonly info: unknown;
  readonly pids: () => number[];
  /** Present when the service can be killed and started again (local processes). */
  readonly faults?: ServiceFaults;
  stop(): Promise<void>;
}

/**
 * Starts every service of `names` in parallel with `startOne`. Either all are running, or the ones that started are
 * stopped again and the error lists every service that failed, with its reason.
 */
export async function startAll(
  provider: ProviderName,
  names: readonly ServiceName[],
  startOne: (name: ServiceName) => Promise<StartedService>,
): Promise<RunningServices> {
  const started: Array<[ServiceName, StartedService]> = [];
  const stopAll = async (): Promise<void> => {
    await Promise.allSettled(started.map(([, service]) => service.stop()));
  };
  const results = await Promise.allSettled(
    names.map(async (name) => {
      started.push([name, await startOne(name)]);
    }),
  );
  const failures = results.flatMap((result, index) =>
    result.status === 'rejected' ? [`${names[index] ?? '?'}: ${errorMessage(result.reason)}`] : [],
  );
  if (failures.length > 0) {
    await stopAll();
    throw new Error(`${provider} provider could not start every service:\n  ${failures.join('\n  ')}`);
  }
  const services: Record<string, unknown> = { provider };
  for (const [name, service] of started) services[name] = service.info;
  return {
    services: services as unknown as ProvisionedServices,
    pids: () => started.flatMap(([, service]) => service.pids()),
    faults: (name) => started.find(([startedName]) => startedName === name)?.[1].faults,
    stop: stopAll,
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
