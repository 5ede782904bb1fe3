import { defaultSchemaRegistry } from '../config/schema-registry';

/**
 * Compiles `config-schemas/<relativePath>` the way the config loader does (the shared Ajv instance: strict mode, the
 * lockstep formats and keywords, defaults applied) and returns a function that lists the problems of a config: `[]`
 * when it is valid. For connector tests of their schema.
 */
export function configSchemaCheck(relativePath: string): (config: unknown) => string[] {
  const { validate } = defaultSchemaRegistry().get(relativePath);
  return (config) => {
    // a copy: validation fills in defaults
    if (validate(structuredClone(config))) return [];
    return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`);
  };
}

/** Validates `config` in place against `config-schemas/<relativePath>` (filling in the schema's defaults, as loading a
 * pipeline does) and returns whether it is valid. */
export function applyConfigSchema(relativePath: string, config: unknown): boolean {
  return defaultSchemaRegistry().get(relativePath).validate(config);
}
