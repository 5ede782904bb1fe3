import { logFlags } from './arguments';
import { createCliLogger, logSettings } from './cli-logger';
import type { Command, OptionSpec, ParsedArguments } from './command';
import { packageVersion } from './package-version';
import { Terminal } from './terminal';
import type * as ServeModule from '../service/serve-command';

const SERVE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  port: { type: 'string', value: '<n>', description: 'port of the REST API (default 8083)' },
  host: { type: 'string', value: '<addr>', description: 'address to listen on (default 127.0.0.1)' },
  'config-dir': { type: 'string', value: '<dir>', description: 'load every *.yaml|*.yml|*.json pipeline of this folder at start' },
  'state-dir': { type: 'string', value: '<dir>', description: 'where API pipelines, held states and checkpoints live (default .lockstep/service)' },
  token: { type: 'string', value: '<t>', description: 'bearer token required on every route but /healthz (env LOCKSTEP_TOKEN)' },
  'max-body': { type: 'string', value: '<bytes>', description: 'request body limit (default 1 MiB; larger is 413)' },
  plugin: { type: 'string', multiple: true, value: '<module>', description: 'load a plugin module first; repeatable' },
  'api-writes-config-dir': { type: 'boolean', description: "let the API replace and delete the config folder's pipelines" },
  'shutdown-deadline': { type: 'string', value: '<s>', description: 'seconds SIGTERM waits for the savepoints before exiting 1 (default 60)' },
};

/**
 * `lockstep serve`: the standalone connector service (service/), one entry of the command table. Its own parser
 * (service/serve-command.ts) checks the values; this entry gives it the command line back, and loads the HTTP server
 * only when the command runs, so the other commands do not pay for it.
 */
export const serveCliCommand: Command = {
  name: 'serve',
  summary:
    'run many pipelines as a service with a REST API, /metrics and /healthz (README, "lockstep serve"); SIGTERM stops them all with a savepoint',
  positionals: [],
  options: SERVE_OPTIONS,
  execute: async (args, io) => {
    const flags = logFlags(args);
    const terminal = new Terminal(io.err);
    const settings = logSettings(flags, io.env, terminal.isTTY);
    // A service logs what it does: info by default also on a terminal (run keeps warn there, under its progress line).
    const log = createCliLogger(flags.logLevel === undefined && io.env.LOCKSTEP_LOG_LEVEL === undefined ? { ...settings, level: flags.verbose === true ? 'debug' : 'info' } : settings, terminal);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { serveCommand } = require('../service/serve-command') as typeof ServeModule;
    return serveCommand(serveArgv(args), io.out, io.err, packageVersion(), log);
  },
};

function serveArgv(args: ParsedArguments): string[] {
  const argv: string[] = [];
  for (const [name, value] of Object.entries(args.values)) {
    if (!(name in SERVE_OPTIONS) || value === undefined || value === false) continue;
    if (value === true) argv.push(`--${name}`);
    else if (Array.isArray(value)) for (const item of value as readonly string[]) argv.push(`--${name}`, item);
    else argv.push(`--${name}`, String(value));
  }
  return argv;
}
