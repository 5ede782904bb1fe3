/** Where a command writes and what it reads besides its arguments. */
export interface CommandIo {
  /** The data's: only a command's result (verify's report, init's pipeline, the stdout sink's records). */
  readonly out: NodeJS.WritableStream;
  /** Everything for people: logs, progress, summaries, errors. */
  readonly err: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

/** One option of a command, as `node:util` `parseArgs` takes it, plus what `--help` shows. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly short?: string;
  /** The value's placeholder in help (`<name|path>`). */
  readonly value?: string;
  /** Allowed values; another is a usage error (exit 2). */
  readonly choices?: readonly string[];
  readonly description: string;
}

/** A command's arguments after parsing: option values by long name, and positionals. */
export interface ParsedArguments {
  readonly values: Readonly<Record<string, string | boolean | readonly string[] | undefined>>;
  readonly positionals: readonly string[];
}

/**
 * A `lockstep` sub-command: its name, help and options, and what it does. Adding a command is adding one of these to
 * the table in `commands.ts`.
 */
export interface Command {
  readonly name: string;
  /** One line for `lockstep --help`. */
  readonly summary: string;
  /** The positional arguments, e.g. `<file>`; a trailing `?` makes one optional (`[file]`). */
  readonly positionals: readonly string[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** More paragraphs for `lockstep <command> --help`. */
  readonly details?: string;
  /** Runs the command; resolves with the exit code. Throwing a `LockstepError` `LS_CLI_USAGE` is a usage error. */
  execute(args: ParsedArguments, io: CommandIo): Promise<number>;
}
