import { commandHelp, parseCommandArguments, usageError, usageLine } from './arguments';
import type { Command, CommandIo } from './command';
import { COMMANDS } from './commands';
import { exitCodeOf, formatError } from './error-report';
import { EXIT } from './exit-codes';
import { packageVersion } from './package-version';

export { EXIT } from './exit-codes';

function help(commands: readonly Command[]): string {
  const rows = commands.map((command) => `  ${usageLine(command)}\n${wrap(command.summary, 6)}`);
  return [
    'lockstep — exactly-once data integration (sources → transforms → sinks, checkpoint-aligned two-phase commit)',
    '',
    'Usage:',
    ...rows,
    '  lockstep --help | lockstep <command> --help',
    '  lockstep --version',
    '',
    'Every command takes --log-level <level>, --log-format pretty|json (or LOCKSTEP_LOG_LEVEL, LOCKSTEP_LOG_FORMAT) and',
    '--verbose (stack traces). Logs, progress and summaries go to stderr; stdout carries only data (the stdout sink,',
    "verify's report, init's pipeline). Pipelines are YAML or JSON (see examples/ and config-schemas/).",
    'Exit codes: 0 ok, 1 failed, 2 invalid input (command line, pipeline file, savepoint name).',
    '',
  ].join('\n');
}

function wrap(text: string, indent: number): string {
  const words = text.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && line.length + word.length + 1 > 110 - indent) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines.map((text) => `${' '.repeat(indent)}${text}`).join('\n');
}

/**
 * Runs the CLI with `argv` (without node and script) and resolves with the exit code. `out` carries only data;
 * everything for people goes to `err`.
 */
export async function runCli(
  argv: readonly string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream & { readonly isTTY?: boolean },
  env: NodeJS.ProcessEnv = process.env,
  commands: readonly Command[] = COMMANDS,
): Promise<number> {
  const io: CommandIo = { out, err, env };
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? commands.find((command) => command.name === rest[0]) : undefined;
    out.write(topic === undefined ? help(commands) : commandHelp(topic));
    return EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    out.write(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  const command = commands.find((candidate) => candidate.name === name);
  try {
    if (command === undefined) throw usageError(undefined, `unknown command '${name}'`);
    const args = parseCommandArguments(command, rest);
    if (args.values.help === true) {
      out.write(commandHelp(command));
      return EXIT.ok;
    }
    return await command.execute(args, io);
  } catch (error) {
    err.write(formatError(error, rest.includes('--verbose')));
    return exitCodeOf(error);
  }
}

/**
 * Ends the process with `code` once the command returned: at once when nothing is left running, else after
 * {@link EXIT_GRACE_MS} — a client a failed pipeline could not close (a connection still retrying) must not keep the
 * process up.
 */
export function exitWhenDone(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
}

const EXIT_GRACE_MS = 1_000;

if (require.main === module) {
  void runCli(process.argv.slice(2), process.stdout, process.stderr).then(exitWhenDone);
}
