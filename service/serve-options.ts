import { resolve } from 'node:path';
import { LockstepError } from '../core/errors/lockstep-error';

/** The options of `lockstep serve`, checked and with their defaults. */
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

/** The flags of `lockstep serve` as the command line gave them (parsed by the CLI's command table). */
export type ServeFlags = Readonly<Record<string, string | boolean | readonly string[] | undefined>>;

/**
 * Checks the flags of `lockstep serve` and applies the defaults. The token also comes from `LOCKSTEP_TOKEN`. Kept apart
 * from serve-command.ts, so that the CLI checks them without loading the HTTP server.
 * @throws LockstepError `LS_CLI_USAGE` naming the flag and what it must be.
 */
export function serveOptions(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): ServeOptions {
  const text = (name: string): string | undefined => (typeof flags[name] === 'string' ? flags[name] : undefined);
  const port = integer(text('port') ?? '8083', '--port', 0, 65_535);
  const token = text('token') ?? env.LOCKSTEP_TOKEN;
  if (token !== undefined && token.length < 8) throw usage('the token must have at least 8 characters');
  const configDir = text('config-dir');
  const plugins = flags.plugin;
  return {
    port,
    host: text('host') ?? '127.0.0.1',
    ...(configDir === undefined ? {} : { configDir: resolve(configDir) }),
    stateDir: resolve(text('state-dir') ?? '.lockstep/service'),
    ...(token === undefined || token === '' ? {} : { token }),
    bodyLimit: integer(text('max-body') ?? String(1024 * 1024), '--max-body', 1024, 1024 * 1024 * 1024),
    plugins: Array.isArray(plugins) ? (plugins as readonly string[]) : [],
    apiWritesConfigDir: flags['api-writes-config-dir'] === true,
    shutdownDeadlineMs: integer(text('shutdown-deadline') ?? '60', '--shutdown-deadline', 1, 86_400) * 1000,
  };
}

function integer(text: string, option: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw usage(`${option} must be an integer from ${min} to ${max}, not '${text}'`);
  return value;
}

function usage(message: string): LockstepError {
  return new LockstepError(message, { code: 'LS_CLI_USAGE' });
}
