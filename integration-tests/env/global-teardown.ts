import { setTimeout as sleep } from 'node:timers/promises';
import { SUPERVISOR_PID_VAR } from './global-setup';

const STOP_TIMEOUT_MS = 90_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Jest global teardown: asks the supervisor to stop every service and waits until it has. */
export default async function globalTeardown(): Promise<void> {
  const pid = Number(process.env[SUPERVISOR_PID_VAR] ?? 0);
  if (pid <= 0 || !alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) {
    process.stderr.write(`[services] supervisor ${pid} did not stop in ${STOP_TIMEOUT_MS} ms; killing its group\n`);
    process.kill(-pid, 'SIGKILL');
  }
}
