import type Ajv2020 from 'ajv/dist/2020';
import type { ErrorObject } from 'ajv/dist/2020';
import type { DataValidationCxt } from 'ajv/dist/types';
import { checkDuration, type DurationOptions } from './duration';

/**
 * Pointers of `writeOnly` values seen during the current validation, or undefined outside one. Validation is
 * synchronous, so one slot (saved and restored around each call) is enough.
 */
let secretCollector: Set<string> | undefined;

/**
 * Runs `validate` and returns, besides its verdict, the JSON pointers (relative to `data`) of every value a
 * `writeOnly: true` subschema applied to: the secrets that must never be logged.
 */
export function validateCollectingSecrets(
  validate: (data: unknown) => boolean,
  data: unknown,
): { readonly valid: boolean; readonly secretPointers: readonly string[] } {
  const outer = secretCollector;
  const collected = new Set<string>();
  secretCollector = collected;
  try {
    const valid = validate(data);
    return { valid, secretPointers: [...collected] };
  } finally {
    secretCollector = outer;
  }
}

/**
 * lockstep's schema keywords, on top of JSON Schema 2020-12:
 * - `writeOnly: true` (standard annotation) marks secrets: lockstep redacts them in logs and error messages.
 * - `x-duration: true | { allowOff?: boolean, minMs?: integer }` accepts `250ms`, `1.5s`, `2m`, `1h` or whole
 *   milliseconds and **replaces the value with milliseconds**, so a plugin's `create` receives numbers. Use it
 *   without `type`: it checks the type itself.
 * - `x-expected: "<text>"` words the error of a `pattern` or `format` in the same subschema: "must be <text>".
 */
export function addSchemaKeywords(ajv: Ajv2020): void {
  // The built-in writeOnly is a pure annotation; replacing it lets validation report where secrets are.
  ajv.removeKeyword('writeOnly');
  ajv.addKeyword({
    keyword: 'writeOnly',
    schemaType: 'boolean',
    validate: (schema: boolean, _data: unknown, _parent: unknown, context?: DataValidationCxt) => {
      if (schema && context !== undefined) secretCollector?.add(context.instancePath);
      return true;
    },
  });
  ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
  ajv.addKeyword({
    keyword: 'x-duration',
    schemaType: ['boolean', 'object'],
    modifying: true,
    metaSchema: {
      anyOf: [
        { type: 'boolean', const: true },
        {
          type: 'object',
          additionalProperties: false,
          properties: { allowOff: { type: 'boolean' }, minMs: { type: 'integer', minimum: 0 } },
        },
      ],
    },
    validate: validateDuration,
  });
}

type DurationKeywordValidator = ((
  schema: true | DurationOptions,
  data: unknown,
  parent: unknown,
  context?: DataValidationCxt,
) => boolean) & { errors?: Partial<ErrorObject>[] };

const validateDuration: DurationKeywordValidator = (schema, data, _parent, context) => {
  const result = checkDuration(data, schema === true ? {} : schema);
  if (!result.ok) {
    validateDuration.errors = [{ keyword: 'x-duration', message: result.message, params: {} }];
    return false;
  }
  const parentData = context?.parentData as Record<string | number, unknown> | undefined;
  if (parentData !== undefined && context?.parentDataProperty !== undefined) {
    parentData[context.parentDataProperty] = result.ms;
  }
  return true;
};
