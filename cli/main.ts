import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LockstepError } from '../core/errors';
import { parseArguments, USAGE, type CommandArguments } from './arguments';
import { builtinRegistry } from './builtin-registry';
import { EXIT } from './exit-codes';
import { runCommand } from './run-command';
import { validateCommand } from './validate-command';
import type * as ServeModule from '../service/serve-command';
import { SERVE_USAGE } from '../service/serve-usage';

export { EXIT } from './exit-codes';

const HELP = `lockstep — exactly-once data integration (sources → transforms → sinks, checkpoint-aligned two-phase commit)

Usage:
  ${USAGE.run}
                          run a pipeline until its bounded input ends or SIGINT/SIGTERM (then it takes a
                          savepoint); a re-run resumes from the last completed checkpoint
  ${USAGE.validate}
                          check a pipeline file and print its end-to-end guarantee (exit 0 valid, 2 invalid)
  ${SERVE_USAGE}
                          run many pipelines as a service with a REST API, /metrics and /healthz (README,
                          "lockstep serve"); SIGTERM stops them all with a savepoint
  lockstep --help         show this help
  lockstep --version      print the version

--from-checkpoint starts from a checkpoint file (a retained chk-*.json); --reset deletes the checkpoints, rolls back
what the sinks hold uncommitted and starts fresh. A start whose checkpoints are gone while the sinks hold what they
committed is refused, naming what was found (LS_CHECKPOINT_SINK_TRACES, LS_CHECKPOINT_MISSING).
--take-over takes the checkpoint store over from a run that hangs or whose host is lost (that run is fenced:
it stops at its next checkpoint write).
--plugin loads a plugin module (a package name or a path, from the current folder) that exports 'plugins';
a pipeline can list its own under 'plugins:'. Pipelines are YAML or JSON (see examples/ and config-schemas/).
Exit codes: 0 ok, 1 failed (also a stop that could not take its savepoint), 2 invalid input.
`;

function packageVersion(): string {
  const candidates = [join(__dirname, '..', 'package.json'), join(__dirname, '..', '..', 'package.json')];
  for (const candidate of candidates) {
    try {
      const parsed = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'lockstep' && parsed.version) return parsed.version;
    } catch {
      // try the next location (source tree vs dist/)
    }
  }
  return 'unknown';
}

/** Runs the CLI with `argv` (without node and script) and resolves with the exit code. */
export async function runCli(argv: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WriteStream): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      out.write(HELP);
      return EXIT.ok;
    case '--version':
    case '-v':
      out.write(`${packageVersion()}\n`);
      return EXIT.ok;
    case 'run':
      return runCommand(rest, out, err);
    case 'serve': {
      // loaded on demand: the other commands do not pay for the HTTP server and its plugins
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { serveCommand } = require('../service/serve-command') as typeof ServeModule;
      return serveCommand(rest, out, err, packageVersion());
    }
    case 'validate': {
      let args: CommandArguments;
      try {
        args = parseArguments('validate', rest);
      } catch (error) {
        err.write(`${(error as Error).message}\n`);
        return EXIT.invalid;
      }
      return validateCommand(args.file, builtinRegistry(), { out, err, plugins: args.plugins });
    }
    default: {
      const error = new LockstepError(`unknown command '${command}'; try 'lockstep --help'`, { code: 'LS_CLI_USAGE' });
      err.write(`${error.message}\n`);
      return EXIT.invalid;
    }
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
