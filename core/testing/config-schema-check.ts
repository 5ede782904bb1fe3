import type { ConfigSchema, PluginContext } from '../api/plugin';
import { defaultSchemaRegistry } from '../config/schema-registry';
import { LockstepError } from '../errors';

/**
 * Compiles a plugin's `configSchema` the way the config loader does (the shared Ajv instance: strict mode, the
 * lockstep formats and keywords, defaults applied) and returns a function that lists the problems of a config: `[]`
 * when it is valid. For connector tests of their schema. The schema is an object, or a `.json` path: relative to
 * `schemaDir` when given (a connector package's folder), else to lockstep's `config-schemas/`.
 */
export function configSchemaCheck(schema: ConfigSchema, schemaDir?: string): (config: unknown) => string[] {
  // a copy: validation fills in defaults
  return (config) => validateInPlace(schema, structuredClone(config), schemaDir);
}

/** Validates `config` in place against a plugin's `configSchema` (see {@link configSchemaCheck}), filling in the
 * schema's defaults as loading a pipeline does, and returns whether it is valid. */
export function applyConfigSchema(schema: ConfigSchema, config: unknown, schemaDir?: string): boolean {
  return validateInPlace(schema, config, schemaDir).length === 0;
}

/** What {@link validatedConfig} needs of a plugin: its type, its schema and the config type its `create` takes. */
export interface ConfiguredPlugin<Config> {
  readonly type: string;
  readonly configSchema: ConfigSchema;
  create(config: Config, context: PluginContext): unknown;
}

/**
 * The config `plugin.create` gets when a pipeline gives `options` for one of its components: a copy validated against
 * the plugin's schema (see {@link configSchemaCheck} for `schemaDir`), defaults filled in and durations in ms (`id` and
 * `type` default to the plugin's type). For tests that build a connector directly: connectors rely on the schema's
 * defaults, so a config built in code goes through the schema too.
 * @throws LockstepError `LS_CONFIG_INVALID` when the schema refuses it.
 */
export function validatedConfig<Config>(plugin: ConfiguredPlugin<Config>, options: object, schemaDir?: string): Config {
  const config: unknown = { id: plugin.type, type: plugin.type, ...structuredClone(options) };
  const problems = validateInPlace(plugin.configSchema, config, schemaDir);
  if (problems.length > 0) {
    throw new LockstepError(`invalid ${plugin.type} config: ${problems.join('; ')}`, { code: 'LS_CONFIG_INVALID' });
  }
  return config as Config;
}

function validateInPlace(schema: ConfigSchema, config: unknown, schemaDir: string | undefined): string[] {
  const { validate } = defaultSchemaRegistry().getConfigSchema(schema, schemaDir);
  if (validate(config)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`);
}
