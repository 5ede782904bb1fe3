import { mkdir } from 'node:fs/promises';
import pino, { type Logger } from 'pino';
import { PipelineSupervisor } from './pipeline-supervisor';
import { buildServer } from './server';
import type { ServeOptions } from './serve-options';
import { ServiceMetrics } from './service-metrics';

/**
 * `lockstep serve`: hosts the pipelines of `--config-dir` and those created through the REST API until SIGTERM or
 * SIGINT, which stop every pipeline with a savepoint (final checkpoint and commit) and exit 0. A second signal, or
 * `--shutdown-deadline` passing, exits at once with 1: nothing is lost, the next start recovers from the checkpoints.
 * Resolves with the exit code once the service ended.
 */
export async function serveCommand(options: ServeOptions, out: NodeJS.WritableStream, version = 'unknown', logger?: Logger): Promise<number> {
  const log: Logger = logger ?? pino({ level: process.env.LOCKSTEP_LOG_LEVEL ?? 'info', base: { pid: process.pid } }, pino.destination({ dest: 2, sync: true }));
  await mkdir(options.stateDir, { recursive: true });
  // Read at scrape time only, when the supervisor exists.
  const metrics: ServiceMetrics = new ServiceMetrics(() => supervisor.list());
  const supervisor = new PipelineSupervisor({
    stateDir: options.stateDir,
    ...(options.configDir === undefined ? {} : { configDir: options.configDir }),
    apiWritesConfigDir: options.apiWritesConfigDir,
    plugins: options.plugins,
    cwd: process.cwd(),
    log,
    onCheckpointCompleted: (pipeline, durationMs) => metrics.observeCheckpoint(pipeline, durationMs),
    onRemoved: (pipeline) => metrics.forget(pipeline),
  });
  const app = await buildServer({ supervisor, metrics, bodyLimit: options.bodyLimit, version, ...(options.token === undefined ? {} : { token: options.token }) });
  // The port is taken first (a port in use fails before any pipeline starts); requests wait until every pipeline is
  // loaded and started or held, so that a GET /pipelines never sees half of them.
  let loaded: () => void = () => undefined;
  const loading = new Promise<void>((resolveLoaded) => (loaded = resolveLoaded));
  app.addHook('onRequest', async () => loading);
  const address = await app.listen({ port: options.port, host: options.host });
  await supervisor.start();
  loaded();
  if (options.token === undefined && options.host !== '127.0.0.1' && options.host !== 'localhost' && options.host !== '::1') {
    log.warn({ host: options.host }, 'the API listens beyond this machine WITHOUT a token: set --token or LOCKSTEP_TOKEN');
  }
  out.write(`lockstep serve listening on ${address} (${supervisor.list().length} pipelines)\n`);
  log.info({ address, pipelines: supervisor.list().length, invalid: supervisor.invalidFiles.length }, 'service started');
  return new Promise<number>((resolveExit) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals += 1;
      if (signals > 1) {
        log.warn({ signal }, 'second signal: exiting at once (the next start recovers from the checkpoints)');
        resolveExit(1);
        return;
      }
      log.info({ signal }, 'stopping every pipeline with a savepoint (signal again to exit at once)');
      const deadline = setTimeout(() => {
        log.warn({ deadlineMs: options.shutdownDeadlineMs }, 'shutdown deadline passed: exiting (the next start recovers from the checkpoints)');
        resolveExit(1);
      }, options.shutdownDeadlineMs);
      deadline.unref();
      void supervisor
        .shutdown()
        .then(() => app.close())
        .then(
          () => resolveExit(0),
          (error: unknown) => {
            log.error({ err: error }, 'shutdown failed');
            resolveExit(1);
          },
        )
        .finally(() => clearTimeout(deadline));
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
