import { ConfigError } from '../core/config/config-error';
import { formatGuaranteeReport } from '../core/config/guarantee-report';
import type { Environment } from '../core/config/interpolation';
import type { PluginRegistry } from '../core/config/plugin-registry';
import type { SchemaRegistry } from '../core/config/schema-registry';
import { LockstepError } from '../core/errors/lockstep-error';
import { validatePipeline } from './api';
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
}

/**
 * `lockstep validate <file>`: loads the pipeline (plugins, parse, interpolate, schemas, rules), then analyses its
 * guarantee.
 * Prints `valid: <file>` and the guarantee report to `out` and returns 0; prints one line per problem to `err` and
 * returns 2 when the configuration is invalid; returns 1 for other failures (a broken plugin). Nothing printed
 * contains a secret value.
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
    // A ConfigError prints one line per issue; other errors have a one-line message.
    io.err.write(`${ConfigError.isConfigError(error) ? error.toString() : error.message}\n`);
    return error.code.startsWith('LS_CONFIG_') && error.code !== 'LS_CONFIG_SCHEMA' ? EXIT.invalid : EXIT.failed;
  }
}
