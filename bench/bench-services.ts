import type { TestServices } from '../integration-tests/env/test-services';
import { startServiceRun } from '../integration-tests/env/service-run';

/** Progress lines go to stderr, so stdout holds only a benchmark's table. */
export const progress = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * The facts of one service for a benchmark: from the environment when `fromEnv` finds them there, else from a local
 * service started for the run with the integration tests' local provider (it needs `npm run services -- prepare`).
 * `stop()` stops what was started (nothing for a service from the environment).
 */
export async function benchService<Name extends 'kafka' | 'kafka3' | 'postgres' | 'kinesis' | 'elasticsearch'>(
  name: Name,
  fromEnv: () => TestServices[Name] | undefined,
): Promise<{ service: TestServices[Name]; stop: () => Promise<void> }> {
  const given = fromEnv();
  if (given !== undefined) return { service: given, stop: () => Promise.resolve() };
  process.env.LOCKSTEP_TEST_SERVICES = 'local';
  process.env.LOCKSTEP_TEST_SERVICES_ONLY = name;
  const run = await startServiceRun(progress);
  const service = run.running.services[name] as TestServices[Name] | undefined;
  if (service === undefined) {
    await run.stop();
    throw new Error(`the service run started no ${name}`);
  }
  return { service, stop: () => run.stop() };
}
