// @ts-check
'use strict';
// A lockstep plugin package: it exports `plugins`, and reaches lockstep only through its SDK (`lockstep/sdk`), which
// it declares as a peer dependency so that it shares the copy of lockstep that loads it.
const { createHash } = require('node:crypto');
const { RecordError } = require('lockstep/sdk');

/**
 * The options of a `mask` transform, after `mask.schema.json` filled in its defaults.
 * @typedef {object} MaskConfig
 * @property {string[]} fields
 * @property {'redact' | 'hash'} mode
 * @property {string} replacement
 * @property {string} salt
 */

/**
 * Replaces the configured fields of each record's value. Pure (the same record always gives the same output), as
 * every transform must be: records after the last checkpoint are replayed after a failure.
 * @param {string} component the transform's id, for error messages
 * @param {MaskConfig} config
 * @returns {import('lockstep/sdk').Transform}
 */
function maskTransform(component, config) {
  /** @type {(value: unknown) => string} */
  const mask =
    config.mode === 'hash'
      ? (value) => createHash('sha256').update(config.salt).update(typeof value === 'string' ? value : JSON.stringify(value)).digest('hex').slice(0, 16)
      : () => config.replacement;
  return {
    process(record) {
      const { value } = record;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        // A bad record goes to the pipeline's error policy (fail, skip or dead-letter), never silently dropped.
        // LS_RECORD_INVALID: lockstep's code for a record a plugin refused (the SDK's codes are lockstep's catalogue).
        throw new RecordError(`transform '${component}' (mask): the value of record ${record.origin ?? 'of unknown origin'} is not an object`, record, {
          code: 'LS_RECORD_INVALID',
          field: 'value',
        });
      }
      /** @type {Record<string, unknown>} */
      const masked = { ...value };
      for (const field of config.fields) {
        if (masked[field] !== undefined && masked[field] !== null) masked[field] = mask(masked[field]);
      }
      return [{ ...record, value: masked }];
    },
  };
}

/** @type {import('lockstep/sdk').TransformPlugin<MaskConfig>} */
const maskTransformPlugin = {
  kind: 'transform',
  type: 'mask',
  // A path relative to this package's folder (an object, e.g. require('./mask.schema.json'), works too).
  configSchema: 'mask.schema.json',
  create(config, context) {
    return () => maskTransform(context.componentId, config);
  },
};

module.exports = { plugins: [maskTransformPlugin], maskTransformPlugin };
