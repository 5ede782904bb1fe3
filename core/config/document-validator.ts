import type { ValidateFunction } from 'ajv/dist/2020';
import type { ConfigIssue } from './config-issue';
import { childPointer } from './json-pointer';
import type { ComponentConfig } from './pipeline-config';
import type { PluginKind, PluginRegistry } from './plugin-registry';
import { coerceInterpolatedScalars } from './scalar-coercion';
import { toConfigIssues } from './schema-issues';
import { validateCollectingSecrets } from './schema-keywords';
import type { SchemaRegistry } from './schema-registry';

/** Keys every component has, which lockstep handles itself (see {@link DocumentValidator.validateComponent}). */
const COMMON_KEYS = ['id', 'type', 'parallelism'] as const;

/** Facts the validator needs about the document besides the document itself. */
export interface DocumentValidatorOptions {
  readonly file: string;
  readonly plugins: PluginRegistry;
  readonly schemas: SchemaRegistry;
  /** Pointers of strings that were exactly one `${…}`: they may be read as numbers or booleans. */
  readonly wholeValuePointers: ReadonlySet<string>;
}

/**
 * Validates one pipeline document against the pipeline schema and each component against its plugin's schema,
 * collecting every issue and the pointers of secret values. Validation applies schema defaults and turns durations
 * into milliseconds, in place.
 */
export class DocumentValidator {
  readonly issues: ConfigIssue[] = [];
  readonly secretPointers = new Set<string>();

  constructor(private readonly options: DocumentValidatorOptions) {}

  /** Validates `data` (found at `base` in the document) with `validate`; returns true when it is valid. */
  validate(validate: ValidateFunction, data: unknown, base: string): boolean {
    let run = validateCollectingSecrets(validate, data);
    if (!run.valid && coerceInterpolatedScalars(validate.errors ?? [], data, base, this.options.wholeValuePointers)) {
      run = validateCollectingSecrets(validate, data);
    }
    for (const pointer of run.secretPointers) this.secretPointers.add(base + pointer);
    if (!run.valid) this.issues.push(...toConfigIssues(validate.errors ?? [], { file: this.options.file, base }));
    return run.valid;
  }

  /**
   * Validates the options of the component at `/<list>/<index>` against its plugin's schema and returns the
   * component with defaults applied, or undefined when its id or type is unusable (already reported by the pipeline
   * schema) or its type is unknown.
   *
   * The plugin schema sees the options only: `id`, `type` and `parallelism` are lockstep's, so plugin schemas can say
   * `additionalProperties: false` without listing them. A plugin schema that does declare one of them gets it.
   */
  validateComponent(kind: PluginKind, list: string, index: number, component: unknown): ComponentConfig | undefined {
    if (component === null || typeof component !== 'object' || Array.isArray(component)) return undefined;
    const { id, type } = component as Record<string, unknown>;
    if (typeof id !== 'string' || typeof type !== 'string') return undefined;
    const base = childPointer('', list, index);
    const plugin = this.options.plugins.find(kind, type);
    if (plugin === undefined) {
      this.issues.push({ file: this.options.file, path: `${base}/type`, message: this.options.plugins.unknownTypeMessage(kind, type) });
      return undefined;
    }
    const { plugins, schemas } = this.options;
    const compiled = schemas.getConfigSchema(plugin.configSchema, plugins.schemaDir(plugin), `${kind} plugin '${type}'`);
    const declared = new Set(Object.keys((compiled.schema.properties as Record<string, unknown> | undefined) ?? {}));
    const common: [string, unknown][] = [];
    const options: [string, unknown][] = [];
    for (const entry of Object.entries(component)) {
      const lockstepKey = (COMMON_KEYS as readonly string[]).includes(entry[0]) && !declared.has(entry[0]);
      (lockstepKey ? common : options).push(entry);
    }
    const validated = Object.fromEntries(options);
    this.validate(compiled.validate, validated, base);
    return { ...Object.fromEntries(common), ...validated } as ComponentConfig;
  }
}
