import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import { checkDuration } from '../../core/config/duration';
import { BUNDLE_FILE, BUNDLE_ID, DURATION_OR_OFF_PATTERN, DURATION_PATTERN } from './bundle-pipeline-schema';
import { editorSchemaText } from './generate-editor-schema';

const ROOT = join(__dirname, '..', '..');
const BUNDLE = JSON.parse(readFileSync(join(ROOT, 'config-schemas', BUNDLE_FILE), 'utf8')) as Record<string, unknown>;

/** A stock validator: Ajv's JSON Schema 2020-12 with its default strict schema checks (unknown keywords throw), none of lockstep's keywords. */
function stockValidator() {
  // In 2020-12 `format` is an annotation unless a validator opts in: so it is here.
  return new Ajv2020({ allErrors: true, strictSchema: true, validateFormats: false, logger: false }).compile(BUNDLE);
}

describe('the editor schema (config-schemas/pipeline.bundled.schema.json)', () => {
  it('is what `npm run gen:editor-schema` generates from the source schemas', () => {
    const current = readFileSync(join(ROOT, 'config-schemas', BUNDLE_FILE), 'utf8') === editorSchemaText(ROOT);
    expect(current ? 'up to date' : `config-schemas/${BUNDLE_FILE} is stale: run npm run gen:editor-schema`).toBe('up to date');
  });

  it('has an $id and only standard keywords (a stock strict validator compiles it)', () => {
    expect(BUNDLE.$id).toBe(BUNDLE_ID);
    expect(JSON.stringify(BUNDLE)).not.toMatch(/"x-(duration|expected)"/);
    expect(() => stockValidator()).not.toThrow();
  });

  it.each(readdirSync(join(ROOT, 'examples')).filter((name) => name.endsWith('.yaml')))('accepts examples/%s as written (with ${VAR} references)', (name) => {
    const validate = stockValidator();
    const valid = validate(parse(readFileSync(join(ROOT, 'examples', name), 'utf8')));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it("checks each component's options by its type: unknown options, wrong types, bad durations, unknown types", () => {
    const validate = stockValidator();
    const base = { name: 'p', sources: [{ id: 'gen', type: 'generator', count: 5 }], sinks: [{ id: 'out', type: 'file', path: './out' }] };
    expect(validate(base)).toBe(true);
    const refused = [
      { ...base, sources: [{ id: 'gen', type: 'generator', cuont: 5 }] },
      { ...base, sources: [{ id: 'gen', type: 'generator', count: 'many' }] },
      { ...base, sinks: [{ id: 'out', type: 'file' }] },
      { ...base, sinks: [{ id: 'out', type: 'fiel', path: './out' }] },
      { ...base, checkpoint: { interval: '1 minute' } },
      { ...base, transforms: [{ id: 'f', type: 'filter' }] },
    ];
    for (const pipeline of refused) expect(validate(pipeline)).toBe(false);
  });

  it('reads durations as lockstep does (format; the bounds are lockstep’s)', () => {
    const plain = new RegExp(DURATION_PATTERN);
    const off = new RegExp(DURATION_OR_OFF_PATTERN);
    for (const text of ['250ms', '1s', '1.5s', '2m', '1h', '1000', ' 3s ', '0', 'off', '1.5', '1 s', 's', '-1s', '1d', '1.5ms', '10sec', '']) {
      const lockstep = checkDuration(text, {}).ok;
      // 1.5ms is the format of a duration but not a whole number of milliseconds: lockstep refuses the value.
      if (text !== '1.5ms') expect([text, plain.test(text)]).toEqual([text, lockstep]);
      expect([text, off.test(text)]).toEqual([text, checkDuration(text, { allowOff: true }).ok || text === '1.5ms']);
    }
  });
});
