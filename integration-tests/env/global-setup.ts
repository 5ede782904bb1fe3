import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { SERVICES_ENV_VAR } from './index';
import { SERVICES_CONTROL_ENV_VAR, SERVICES_RUN_DIR_ENV_VAR, SUPERVISOR_LINES, type SupervisorReady } from './supervisor-protocol';

/** Environment variable holding the supervisor's pid, for the global teardown. */
export const SUPERVISOR_PID_VAR = 'LOCKSTEP_SUPERVISOR_PID';

const START_TIMEOUT_MS = Number(process.env.LOCKSTEP_SERVICES_START_TIMEOUT_MS ?? 600_000);

/**
 * Jest global setup of the integration project: starts the services once per run through the supervisor process
 * and hands their facts to the test files in `LOCKSTEP_TEST_SERVICES_JSON` (and its control socket, for tests that
 * kill and restart a service, in `LOCKSTEP_SERVICES_CONTROL`). When the first variable is already set, the services
 * were provisioned by the caller and nothing is started.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env[SERVICES_ENV_VAR]) return;
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'supervisor.ts')], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOCKSTEP_SUPERVISOR_WATCH_PID: String(process.pid) },
  });
  if (child.pid === undefined) throw new Error('could not spawn the service supervisor');
  process.env[SUPERVISOR_PID_VAR] = String(child.pid);
  const lines = createInterface({ input: child.stdout });
  const outcome = await new Promise<SupervisorReady>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`services not ready after ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const settle = (action: () => void): void => {
      clearTimeout(timer);
      action();
    };
    lines.on('line', (line) => {
      if (line.startsWith(SUPERVISOR_LINES.progress)) {
        process.stderr.write(`[services] ${line.slice(SUPERVISOR_LINES.progress.length)}\n`);
      } else if (line.startsWith(SUPERVISOR_LINES.ready)) {
        settle(() => resolve(JSON.parse(line.slice(SUPERVISOR_LINES.ready.length))));
      } else if (line.startsWith(SUPERVISOR_LINES.failed)) {
        const { message } = JSON.parse(line.slice(SUPERVISOR_LINES.failed.length)) as { message: string };
        settle(() => reject(new Error(`integration services could not be provisioned: ${message}`)));
      }
    });
    child.on('exit', (code, signal) =>
      settle(() => reject(new Error(`service supervisor exited early (${code ?? signal ?? '?'})`))),
    );
  }).catch((error: unknown) => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    throw error;
  });
  lines.close();
  child.stdout.destroy();
  child.removeAllListeners('exit');
  child.unref();
  process.stderr.write(`[services] ready: ${JSON.stringify(outcome.services)}\n`);
  process.env[SERVICES_ENV_VAR] = JSON.stringify(outcome.services);
  process.env[SERVICES_CONTROL_ENV_VAR] = outcome.control;
  process.env[SERVICES_RUN_DIR_ENV_VAR] = outcome.runDir;
}
