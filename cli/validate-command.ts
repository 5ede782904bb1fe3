import { formatGuaranteeReport } from '../core/config/guarantee-report';
import type { Environment } from '../core/config/interpolation';
import type { PluginRegistry } from '../core/config/plugin-registry';
import type { SchemaRegistry } from '../core/config/schema-registry';
import { LockstepError } from '../core/errors/lockstep-error';
import { validatePipeline } from './api';
import { listOption, logFlags, PLUGIN_OPTION } from './arguments';
import { builtinRegistry } from './builtin-registry';
import type { Command } from './command';
import { exitCodeOf, formatError } from './error-report';
import { EXIT } from './exit-codes';

/** Where `validate` writes, and what it reads besides the file. */
export interface ValidateCommandIo {
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
  /** Variables for `${VAR}`; default `process.env`. */
  readonly env?: Environment;
  /** Plugin schemas; default the repository's `config-schemas/`. */
  readonly schemas?: SchemaRegistry;
  /** Plugin modules (`--plugin`) registered before the file is loaded, resolved from the working directory. */
  readonly plugins?: readonly string[];
  /** Print stack traces of unexpected failures. */
  readonly verbose?: boolean;
}

/**
 * `lockstep validate <file>`: everything `run` checks before it connects anywhere — plugins, parse, interpolation,
 * schemas, rules, the guarantee analysis, expressions compiled and user modules loaded.
 * Prints `valid: <file>` and the guarantee report to `out` and returns 0; prints each problem to `err` as
 * `file:line:column: /path: message` with the offending line, and returns 2 when the configuration is invalid;
 * returns 1 for other failures (a broken plugin). Nothing printed contains a secret value.
 */
export async function validateCommand(file: string, registry: PluginRegistry, io: ValidateCommandIo): Promise<number> {
  try {
    const { config, report } = await validatePipeline(file, {
      registry,
      ...(io.plugins === undefined ? {} : { plugins: io.plugins }),
      ...(io.env === undefined ? {} : { env: io.env }),
      ...(io.schemas === undefined ? {} : { schemas: io.schemas }),
    });
    io.out.write(`valid: ${file} (pipeline ${config.name})\n`);
    io.out.write(`${formatGuaranteeReport(report).join('\n')}\n`);
    return EXIT.ok;
  } catch (error) {
    if (!LockstepError.is(error)) throw error;
    io.err.write(formatError(error, io.verbose === true));
    return exitCodeOf(error);
  }
}

/** The `validate` command of the CLI. */
export const validateCliCommand: Command = {
  name: 'validate',
  summary: 'check a pipeline file offline as run would (schemas, expressions, modules, guarantee) and print its end-to-end guarantee (exit 0 valid, 2 invalid)',
  positionals: ['file'],
  options: { ...PLUGIN_OPTION },
  execute: async (args, io) => {
    const file = args.positionals[0] as string;
    return validateCommand(file, builtinRegistry(), {
      out: io.out,
      err: io.err,
      env: io.env,
      plugins: listOption(args, 'plugin'),
      verbose: logFlags(args).verbose === true,
    });
  },
};
