import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino, { type Logger } from 'pino';
import { LockstepError } from '../core/errors';
import { PipelineSupervisor } from './pipeline-supervisor';
import { buildServer } from './server';
import { SERVE_USAGE } from './serve-usage';
import { ServiceMetrics } from './service-metrics';

export { SERVE_USAGE } from './serve-usage';

/** The options of `lockstep serve`, parsed. */
export interface ServeOptions {
  readonly port: number;
  readonly host: string;
  readonly configDir?: string;
  readonly stateDir: string;
  readonly token?: string;
  readonly bodyLimit: number;
  readonly plugins: readonly string[];
  readonly apiWritesConfigDir: boolean;
  readonly shutdownDeadlineMs: number;
}

/**
 * Parses `lockstep serve` options (node's `util.parseArgs`). The token also comes from `LOCKSTEP_TOKEN`.
 * @throws LockstepError `LS_CLI_USAGE` naming the problem and the usage.
 */
export function parseServeArguments(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ServeOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string', default: '8083' },
        host: { type: 'string', default: '127.0.0.1' },
        'config-dir': { type: 'string' },
        'state-dir': { type: 'string', default: '.lockstep/service' },
        token: { type: 'string' },
        'max-body': { type: 'string', default: String(1024 * 1024) },
        plugin: { type: 'string', multiple: true, default: [] },
        'api-writes-config-dir': { type: 'boolean', default: false },
        'shutdown-deadline': { type: 'string', default: '60' },
      },
    }));
  } catch (error) {
    throw usage((error as Error).message);
  }
  const port = integer(values.port, '--port', 0, 65_535);
  const token = values.token ?? env.LOCKSTEP_TOKEN;
  if (token !== undefined && token.length < 8) throw usage('the token must have at least 8 characters');
  return {
    port,
    host: values.host,
    ...(values['config-dir'] === undefined ? {} : { configDir: resolve(values['config-dir']) }),
    stateDir: resolve(values['state-dir']),
    ...(token === undefined || token === '' ? {} : { token }),
    bodyLimit: integer(values['max-body'], '--max-body', 1024, 1024 * 1024 * 1024),
    plugins: values.plugin,
    apiWritesConfigDir: values['api-writes-config-dir'],
    shutdownDeadlineMs: integer(values['shutdown-deadline'], '--shutdown-deadline', 1, 86_400) * 1000,
  };
}

/**
 * `lockstep serve`: hosts the pipelines of `--config-dir` and those created through the REST API until SIGTERM or
 * SIGINT, which stop every pipeline with a savepoint (final checkpoint and commit) and exit 0. A second signal, or
 * `--shutdown-deadline` passing, exits at once with 1: nothing is lost, the next start recovers from the checkpoints.
 * Resolves with the exit code once the service ended; 2 for bad arguments.
 */
export async function serveCommand(
  argv: readonly string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
  version = 'unknown',
  logger?: Logger,
): Promise<number> {
  let options: ServeOptions;
  try {
    options = parseServeArguments(argv);
  } catch (error) {
    err.write(`${(error as Error).message}\n`);
    return 2;
  }
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
  const address = await app.listen({ port: options.port, host: options.host });
  if (options.token === undefined && options.host !== '127.0.0.1' && options.host !== 'localhost' && options.host !== '::1') {
    log.warn({ host: options.host }, 'the API listens beyond this machine WITHOUT a token: set --token or LOCKSTEP_TOKEN');
  }
  await supervisor.start();
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

function integer(text: string, option: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw usage(`${option} must be an integer from ${min} to ${max}, not '${text}'`);
  return value;
}

function usage(message: string): LockstepError {
  return new LockstepError(`${message}; usage: ${SERVE_USAGE}`, { code: 'LS_CLI_USAGE' });
}
