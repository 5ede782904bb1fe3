import type { ConfigSchema } from '../api/plugin';
import { defaultSchemaRegistry } from '../config/schema-registry';

/**
 * Compiles a plugin's `configSchema` the way the config loader does (the shared Ajv instance: strict mode, the
 * lockstep formats and keywords, defaults applied) and returns a function that lists the problems of a config: `[]`
 * when it is valid. For connector tests of their schema. The schema is an object, or a `.json` path: relative to
 * `schemaDir` when given (a connector package's folder), else to lockstep's `config-schemas/`.
 */
export function configSchemaCheck(schema: ConfigSchema, schemaDir?: string): (config: unknown) => string[] {
  const { validate } = defaultSchemaRegistry().getConfigSchema(schema, schemaDir);
  return (config) => {
    // a copy: validation fills in defaults
    if (validate(structuredClone(config))) return [];
    return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`);
  };
}

/** Validates `config` in place against a plugin's `configSchema` (see {@link configSchemaCheck}), filling in the
 * schema's defaults as loading a pipeline does, and returns whether it is valid. */
export function applyConfigSchema(schema: ConfigSchema, config: unknown, schemaDir?: string): boolean {
  return defaultSchemaRegistry().getConfigSchema(schema, schemaDir).validate(config);
}
