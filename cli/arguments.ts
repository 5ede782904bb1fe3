import { parseArgs } from 'node:util';
import { LockstepError } from '../core/errors/lockstep-error';
import { LOG_FORMATS, LOG_LEVELS, type LogFlags } from './cli-logger';
import type { Command, OptionSpec, ParsedArguments } from './command';

/** Options every command takes. */
export const COMMON_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  'log-level': { type: 'string', value: '<level>', choices: LOG_LEVELS, description: `log level (${LOG_LEVELS.join(', ')}); env LOCKSTEP_LOG_LEVEL` },
  'log-format': { type: 'string', value: '<format>', choices: LOG_FORMATS, description: 'pretty (default on a terminal) or json (default otherwise); env LOCKSTEP_LOG_FORMAT' },
  verbose: { type: 'boolean', description: 'stack traces with errors, debug logs' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

/** The options of a pipeline file: plugin modules loaded before it. */
export const PLUGIN_OPTION: Readonly<Record<string, OptionSpec>> = {
  plugin: { type: 'string', multiple: true, value: '<module>', description: 'load a plugin module (package name or path) first; repeatable' },
};

/**
 * Parses a command's arguments with `node:util` `parseArgs` (strict: `--opt value` and `--opt=value`, unknown options
 * and missing values refused), then checks choices and the positional count.
 * @throws LockstepError `LS_CLI_USAGE` naming the problem and the command's usage line.
 */
export function parseCommandArguments(command: Command, argv: readonly string[]): ParsedArguments {
  const options = { ...command.options, ...COMMON_OPTIONS };
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        Object.entries(options).map(([name, spec]) => [name, { type: spec.type, ...(spec.multiple ? { multiple: true } : {}), ...(spec.short ? { short: spec.short } : {}) }]),
      ),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw usageError(command, parseProblem(error));
  }
  const values = parsed.values as ParsedArguments['values'];
  if (values.help === true) return { values, positionals: parsed.positionals };
  for (const [name, spec] of Object.entries(options)) {
    const value = values[name];
    if (spec.choices === undefined || typeof value !== 'string') continue;
    if (!spec.choices.includes(value)) throw usageError(command, `--${name} must be one of ${spec.choices.join(', ')}, not '${value}'`);
  }
  const required = command.positionals.filter((name) => !name.endsWith('?')).length;
  if (parsed.positionals.length > command.positionals.length) {
    throw usageError(command, `unexpected argument ${parsed.positionals[command.positionals.length] ?? ''}`);
  }
  if (parsed.positionals.length < required) {
    throw usageError(command, `missing the argument <${command.positionals[parsed.positionals.length] ?? ''}>`);
  }
  return { values, positionals: parsed.positionals };
}

/** `parseArgs`' message, shortened to what the user typed wrong. */
function parseProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const option = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (message.includes('does not take an argument')) return `${option} takes no value`;
    return `${option} needs a value (--opt value or --opt=value)`;
  }
  return message.split('\n')[0] ?? message;
}

/** The usage line: `lockstep run <file> [options]`. */
export function usageLine(command: Command): string {
  const positionals = command.positionals.map((name) => (name.endsWith('?') ? `[${name.slice(0, -1)}]` : `<${name}>`));
  return ['lockstep', command.name, ...positionals, '[options]'].join(' ');
}

/** `lockstep <command> --help`. */
export function commandHelp(command: Command): string {
  const rows = Object.entries({ ...command.options, ...COMMON_OPTIONS }).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.value ? ` ${spec.value}` : ''}`;
    return `  ${flag.padEnd(34)} ${spec.description}`;
  });
  return [`${command.summary}`, '', `Usage: ${usageLine(command)}`, '', 'Options:', ...rows, ...(command.details ? ['', command.details] : []), ''].join('\n');
}

/** A usage error: exit 2, one line naming the problem and where to look. */
export function usageError(command: Command | undefined, message: string): LockstepError {
  const hint = command === undefined ? "try 'lockstep --help'" : `usage: ${usageLine(command)} (see 'lockstep ${command.name} --help')`;
  return new LockstepError(`${message}; ${hint}`, { code: 'LS_CLI_USAGE' });
}

/** The logging flags of parsed arguments. */
export function logFlags(args: ParsedArguments): LogFlags {
  const { values } = args;
  return {
    ...(typeof values['log-level'] === 'string' ? { logLevel: values['log-level'] } : {}),
    ...(typeof values['log-format'] === 'string' ? { logFormat: values['log-format'] } : {}),
    ...(values.verbose === true ? { verbose: true } : {}),
  };
}

/** A string option's value, if given. */
export function stringOption(args: ParsedArguments, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A repeatable string option's values. */
export function listOption(args: ParsedArguments, name: string): readonly string[] {
  const value = args.values[name];
  return Array.isArray(value) ? (value as readonly string[]) : [];
}
