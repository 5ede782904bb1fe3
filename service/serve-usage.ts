/** The usage line of `lockstep serve` (apart from serve-command.ts, so that the CLI's help loads no HTTP server). */
export const SERVE_USAGE =
  'lockstep serve [--port <n>] [--host <addr>] [--config-dir <dir>] [--state-dir <dir>] [--token <t>] [--max-body <bytes>] [--plugin <module>]... [--api-writes-config-dir] [--shutdown-deadline <s>]';
