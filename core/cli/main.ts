import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LockstepError } from '../errors';

/** Exit codes of the `lockstep` command. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const HELP = `lockstep — exactly-once data integration (sources → transforms → sinks, checkpoint-aligned two-phase commit)

Usage:
  lockstep --help        show this help
  lockstep --version     print the version

Pipeline commands (run, validate, serve, verify) arrive with the core engine; see README.md.
`;

function packageVersion(): string {
  const candidates = [join(__dirname, '..', '..', 'package.json'), join(__dirname, '..', '..', '..', 'package.json')];
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

/** Runs the CLI with `argv` (without node and script) and returns the exit code; output goes to the given streams. */
export function runCli(argv: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): number {
  const [first] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    out.write(HELP);
    return EXIT.ok;
  }
  if (first === '--version' || first === '-v') {
    out.write(`${packageVersion()}\n`);
    return EXIT.ok;
  }
  const error = new LockstepError(`unknown command '${first}'; try 'lockstep --help'`, { code: 'LS_CLI_USAGE' });
  err.write(`${error.message}\n`);
  return EXIT.usage;
}

if (require.main === module) {
  process.exitCode = runCli(process.argv.slice(2), process.stdout, process.stderr);
}
