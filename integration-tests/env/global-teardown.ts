import { setTimeout as sleep } from 'node:timers/promises';
import { SUPERVISOR_PID_VAR } from './global-setup';
import { processAlive } from './process-alive';

const STOP_TIMEOUT_MS = 90_000;


/** Jest global teardown: asks the supervisor to stop every service and waits until it has. */
export default async function globalTeardown(): Promise<void> {
  const pid = Number(process.env[SUPERVISOR_PID_VAR] ?? 0);
  if (pid <= 0 || !processAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (processAlive(pid) && Date.now() < deadline) await sleep(100);
  if (processAlive(pid)) {
    process.stderr.write(`[services] supervisor ${pid} did not stop in ${STOP_TIMEOUT_MS} ms; killing its group\n`);
    process.kill(-pid, 'SIGKILL');
  }
}
