import Ajv2020 from 'ajv/dist/2020';
import { addSchemaFormats } from './schema-formats';
import { addSchemaKeywords } from './schema-keywords';

/**
 * The one Ajv instance of the process: every schema (pipeline and connectors) is compiled into it once, so `$ref`s
 * between schema files resolve and nothing is compiled twice.
 *
 * - `allErrors`: report every problem in one round.
 * - `strict` catches schema typos (unknown keywords and formats, type-less keywords) at compile time;
 *   `strictRequired` stays off because it refuses the standard `if/then: { required: [...] }` idiom.
 * - `useDefaults` fills in `default` values, so plugins receive complete configs.
 * - `verbose` gives each error its subschema, for wording (`x-expected`, did-you-mean); error `data` never reaches
 *   messages.
 * - `logger: false`: library code does not print; strict mode throws instead of warning.
 */
export const sharedAjv: Ajv2020 = createAjv();

function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
    useDefaults: true,
    verbose: true,
    logger: false,
  });
  addSchemaFormats(ajv);
  addSchemaKeywords(ajv);
  return ajv;
}
