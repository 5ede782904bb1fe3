import { LockstepError } from '../errors/lockstep-error';
import { formatIssue, type ConfigIssue } from './config-issue';

/**
 * Stable codes of configuration errors:
 * - `LS_CONFIG_READ`: the pipeline file cannot be read.
 * - `LS_CONFIG_PARSE`: YAML/JSON syntax (with line and column), unsupported file type, nesting too deep.
 * - `LS_CONFIG_INTERPOLATION`: a `${VAR}` without value or default, or a malformed reference.
 * - `LS_CONFIG_INVALID`: the document does not match the pipeline schema or a component's schema, or breaks a rule
 *   the schemas cannot express (duplicate ids, dead-letter sink not found, unknown component type).
 * - `LS_CONFIG_GUARANTEE`: the components cannot keep the requested guarantee, or checkpointing is off for an
 *   unbounded source so nothing would ever be committed.
 * - `LS_CONFIG_SCHEMA`: a schema file under `config-schemas/` is itself broken (a bug of lockstep or a plugin).
 */
export type ConfigErrorCode =
  | 'LS_CONFIG_READ'
  | 'LS_CONFIG_PARSE'
  | 'LS_CONFIG_INTERPOLATION'
  | 'LS_CONFIG_INVALID'
  | 'LS_CONFIG_GUARANTEE'
  | 'LS_CONFIG_SCHEMA';

/**
 * A pipeline configuration that cannot be used, with every issue found (not only the first), so a user fixes them in
 * one round. Messages never contain secret values; there is deliberately no `cause` that might carry one.
 */
export class ConfigError extends LockstepError {
  readonly issues: readonly ConfigIssue[];

  /** @param issues at least one issue; they are kept in the order given. */
  constructor(code: ConfigErrorCode, issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n') || 'invalid configuration', {
      code,
      retriable: false,
      context: { file: issues[0]?.file, issues: issues.length },
    });
    this.issues = issues;
  }

  /** One line per issue: `pipeline.yaml: /sinks/0/mode: must be one of: insert, upsert`. */
  override toString(): string {
    return this.issues.map(formatIssue).join('\n');
  }

  /** True for a ConfigError, also one thrown by another copy of this module. */
  static isConfigError(error: unknown): error is ConfigError {
    return LockstepError.is(error) && Array.isArray((error as Partial<ConfigError>).issues);
  }
}
