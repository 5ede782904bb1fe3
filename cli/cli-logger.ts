import pino, { type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { Terminal } from './terminal';

/** How lockstep's logs look: `pretty` lines for people, or one JSON object per line for machines. */
export type LogFormat = 'pretty' | 'json';

export const LOG_FORMATS: readonly LogFormat[] = ['pretty', 'json'];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The logging flags of a command (`--log-level`, `--log-format`, `--verbose`), each optional. */
export interface LogFlags {
  readonly logLevel?: string;
  readonly logFormat?: string;
  readonly verbose?: boolean;
}

/** Settled logging: the flags win over `LOCKSTEP_LOG_LEVEL` / `LOCKSTEP_LOG_FORMAT`, which win over the defaults. */
export interface LogSettings {
  readonly level: string;
  readonly format: LogFormat;
  /** Stack traces in error output and in logged errors. */
  readonly verbose: boolean;
}

/**
 * Settles the log settings. Defaults: on a terminal `pretty` at `warn` (the progress line carries the counts),
 * elsewhere `json` at `info`; `--verbose` lowers the default level to `debug`. Values were checked by the argument
 * parser; the environment's are checked here and an unknown one is ignored in favour of the default.
 */
export function logSettings(flags: LogFlags, env: NodeJS.ProcessEnv, isTTY: boolean): LogSettings {
  const verbose = flags.verbose === true;
  const envFormat = LOG_FORMATS.find((format) => format === env.LOCKSTEP_LOG_FORMAT);
  const envLevel = LOG_LEVELS.find((level) => level === env.LOCKSTEP_LOG_LEVEL);
  const format = (flags.logFormat as LogFormat | undefined) ?? envFormat ?? (isTTY ? 'pretty' : 'json');
  const level = flags.logLevel ?? envLevel ?? (verbose ? 'debug' : isTTY ? 'warn' : 'info');
  return { level, format, verbose };
}

/**
 * A pino logger writing through `terminal` (so log lines never cut through the progress line): pretty lines
 * (pino-pretty, coloured on a terminal) or JSON lines. Errors are logged with their message and code; their stack
 * only when `verbose`.
 */
export function createCliLogger(settings: LogSettings, terminal: Terminal): Logger {
  // errWithCause: each error's own message, its cause nested (pino's `err` would append every cause's message to the
  // message, which repeats what lockstep's messages already say: "X: X: Y")
  const withoutStacks = (serialized: Record<string, unknown>): Record<string, unknown> => {
    delete serialized.stack;
    if (typeof serialized.cause === 'object' && serialized.cause !== null) withoutStacks(serialized.cause as Record<string, unknown>);
    return serialized;
  };
  const serializeError = (error: unknown): unknown => {
    if (!(error instanceof Error)) return error;
    const serialized = pino.stdSerializers.errWithCause(error) as unknown as Record<string, unknown>;
    return settings.verbose ? serialized : withoutStacks(serialized);
  };
  const options = { level: settings.level, base: { pid: process.pid }, serializers: { err: serializeError } };
  if (settings.format === 'json') return pino(options, { write: (line: string) => terminal.write(line) });
  const pretty = prettyFactory({
    colorize: terminal.isTTY,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    singleLine: true,
    errorLikeObjectKeys: ['err', 'error'],
  });
  return pino(options, { write: (line: string) => terminal.write(pretty(line)) });
}
