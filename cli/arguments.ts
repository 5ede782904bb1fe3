import { LockstepError } from '../core/errors/lockstep-error';

/** The arguments of `run` and `validate`. */
export interface CommandArguments {
  readonly file: string;
  /** `--plugin <module>`, repeatable: plugin modules loaded before the file. */
  readonly plugins: readonly string[];
  readonly fromSavepoint?: string;
  /** `--from-checkpoint <path>`: a retained or copied checkpoint file (`chk-*.json`) to start from. */
  readonly fromCheckpoint?: string;
  readonly savepointName?: string;
  /** `--reset`: delete the checkpoints, clean the sinks' traces and start fresh. */
  readonly reset?: boolean;
  /** `--take-over`: take the checkpoint store over from an owner that looks alive (it hangs, or is on a lost host). */
  readonly takeOver?: boolean;
}

export const USAGE = {
  run: 'lockstep run <file> [--plugin <module>]... [--from-savepoint <name|path> | --from-checkpoint <path> | --reset] [--savepoint-name <name>] [--take-over]',
  validate: 'lockstep validate <file> [--plugin <module>]...',
} as const;

const OPTIONS = {
  run: ['--plugin', '--from-savepoint', '--from-checkpoint', '--savepoint-name', '--reset', '--take-over'],
  validate: ['--plugin'],
} as const;

/** Options without a value. */
const FLAGS: ReadonlySet<string> = new Set(['--reset', '--take-over']);

/**
 * Parses the arguments of `command`: one file and its options, each option followed by its value.
 * @throws LockstepError `LS_CLI_USAGE` naming the problem and the usage.
 */
export function parseArguments(command: keyof typeof USAGE, argv: readonly string[]): CommandArguments {
  let file: string | undefined;
  const plugins: string[] = [];
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-')) {
      if (file !== undefined) throw usage(command, `unexpected argument ${arg}`);
      file = arg;
      continue;
    }
    if (!(OPTIONS[command] as readonly string[]).includes(arg)) throw usage(command, `unknown option ${arg}`);
    if (FLAGS.has(arg)) {
      flags.add(arg);
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw usage(command, `${arg} needs a value`);
    if (arg === '--plugin') plugins.push(value);
    else values.set(arg, value);
  }
  if (file === undefined) throw usage(command, 'missing the pipeline file');
  const fromSavepoint = values.get('--from-savepoint');
  const fromCheckpoint = values.get('--from-checkpoint');
  const savepointName = values.get('--savepoint-name');
  const starts = [fromSavepoint === undefined ? [] : ['--from-savepoint'], fromCheckpoint === undefined ? [] : ['--from-checkpoint'], flags.has('--reset') ? ['--reset'] : []].flat();
  if (starts.length > 1) throw usage(command, `${starts.join(' and ')} exclude each other: choose one way to start`);
  return {
    file,
    plugins,
    ...(fromSavepoint === undefined ? {} : { fromSavepoint }),
    ...(fromCheckpoint === undefined ? {} : { fromCheckpoint }),
    ...(savepointName === undefined ? {} : { savepointName }),
    ...(flags.has('--reset') ? { reset: true } : {}),
    ...(flags.has('--take-over') ? { takeOver: true } : {}),
  };
}

function usage(command: keyof typeof USAGE, message: string): LockstepError {
  return new LockstepError(`${message}; usage: ${USAGE[command]}`, { code: 'LS_CLI_USAGE' });
}
