import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';

/** Folder of the connector config schemas, from this file's place in the tree. */
const SCHEMA_DIR = join(__dirname, '..', '..', 'config-schemas');

/**
 * Compiles `config-schemas/<relativePath>` with Ajv in strict mode (the way the config validator reads it) and returns
 * a function that lists the problems of a config: `[]` when it is valid. For connector tests of their schema.
 */
export function configSchemaCheck(relativePath: string): (config: unknown) => string[] {
  const schema = JSON.parse(readFileSync(join(SCHEMA_DIR, relativePath), 'utf8')) as object;
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  const validate = ajv.compile(schema);
  return (config) => {
    if (validate(config)) return [];
    return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`);
  };
}
