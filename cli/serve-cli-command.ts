import { logFlags, usageError } from './arguments';
import { createCliLogger, logSettings } from './cli-logger';
import type { Command, OptionSpec } from './command';
import { packageVersion } from './package-version';
import { Terminal } from './terminal';
import type * as ServeModule from '../service/serve-command';
import { serveOptions, type ServeOptions } from '../service/serve-options';

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
 * `lockstep serve`: the standalone connector service (service/), one entry of the command table. The table parses the
 * flags, service/serve-options.ts checks them, and the HTTP server is loaded only when the command runs, so the other
 * commands do not pay for it.
 */
export const serveCliCommand: Command = {
  name: 'serve',
  summary:
    'run many pipelines as a service with a REST API, /metrics and /healthz (README, "lockstep serve"); SIGTERM stops them all with a savepoint',
  positionals: [],
  options: SERVE_OPTIONS,
  execute: async (args, io) => {
    let options: ServeOptions;
    try {
      options = serveOptions(args.values, io.env);
    } catch (error) {
      throw usageError(serveCliCommand, (error as Error).message);
    }
    const flags = logFlags(args);
    const terminal = new Terminal(io.err);
    const settings = logSettings(flags, io.env, terminal.isTTY);
    // A service logs what it does: info by default also on a terminal (run keeps warn there, under its progress line).
    const log = createCliLogger(flags.logLevel === undefined && io.env.LOCKSTEP_LOG_LEVEL === undefined ? { ...settings, level: flags.verbose === true ? 'debug' : 'info' } : settings, terminal);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { serveCommand } = require('../service/serve-command') as typeof ServeModule;
    return serveCommand(options, io.out, packageVersion(), log);
  },
};
