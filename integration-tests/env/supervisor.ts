/**
 * The service supervisor: a process of its own, started detached by jest's global setup. It starts the services,
 * prints one READY line with their facts on stdout, and stops them all when told (SIGTERM/SIGINT) or when the
 * process it watches (jest) is gone — also after jest was interrupted or killed, so no service outlives a run.
 * Meanwhile it answers kill and start requests for single services on a control socket (`service-control.ts`).
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { serveServiceControl } from './service-control-server';
import { startServiceRun, type ServiceRun } from './service-run';
import { SUPERVISOR_LINES, type SupervisorReady } from './supervisor-protocol';
import { processAlive } from './process-alive';


async function supervise(): Promise<void> {
  const watchedPid = Number(process.env.LOCKSTEP_SUPERVISOR_WATCH_PID ?? process.ppid);
  let run: ServiceRun | undefined;
  let stopRequested = false;
  const shutdown = async (): Promise<void> => {
    if (stopRequested) return;
    stopRequested = true;
    await run?.stop();
    process.exit(0);
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void shutdown());

  try {
    run = await startServiceRun((line) => process.stdout.write(`${SUPERVISOR_LINES.progress}${line}\n`));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stdout.write(`${SUPERVISOR_LINES.failed}${JSON.stringify({ message })}\n`);
    process.exitCode = 1;
    return;
  }
  if (stopRequested) {
    await run.stop();
    return;
  }
  const control = join(run.runDir, 'control.sock');
  try {
    await serveServiceControl(run.running, control);
  } catch (error) {
    process.stdout.write(`${SUPERVISOR_LINES.failed}${JSON.stringify({ message: `control socket ${control}: ${String(error)}` })}\n`);
    process.exitCode = 1;
    await run.stop();
    return;
  }
  const ready: SupervisorReady = { services: run.running.services, runDir: run.runDir, control };
  process.stdout.write(`${SUPERVISOR_LINES.ready}${JSON.stringify(ready)}\n`);
  // From here on nothing is written to stdout: the reader goes away after READY.
  while (!stopRequested) {
    if (!processAlive(watchedPid)) {
      await shutdown();
      return;
    }
    await sleep(500);
  }
}

if (require.main === module) {
  void supervise();
}
