import type { Transform } from '../../core/sdk';
import { testInitContext, testPluginContext, validatedConfig } from '../../core/testing';
import { jsonTransformPlugin } from './json-transform';
import type { JsonTransformConfig } from './json-transform-config.generated';
import { recordErrorOf as failure } from './fixtures/record-error-of';

const init = testInitContext({ pipeline: 'orders', componentId: 'parse' });

async function transform(options: Partial<JsonTransformConfig> = {}): Promise<Transform> {
  const config = validatedConfig(jsonTransformPlugin, { id: 'parse', ...options });
  const factory = await jsonTransformPlugin.create(config, testPluginContext({ pipeline: 'orders', componentId: 'parse', baseDir: '/' }));
  return factory(init);
}


describe('json transform', () => {
  it('parses a string, a Buffer and a Uint8Array value, keeping the rest of the record', async () => {
    const t = await transform();
    const meta = { key: 'k', headers: { h: '1' }, timestamp: 5, origin: 'orders/0@1' };
    expect(await t.process({ value: '{"id":1,"tags":["a"]}', ...meta })).toEqual([
      { value: { id: 1, tags: ['a'] }, ...meta },
    ]);
    expect(await t.process({ value: Buffer.from('[1,2]') })).toEqual([{ value: [1, 2] }]);
    expect(await t.process({ value: new TextEncoder().encode('"text"') })).toEqual([{ value: 'text' }]);
    expect(await t.process({ value: ' 42 ' })).toEqual([{ value: 42 }]);
  });

  it('leaves the key alone unless onKey is set', async () => {
    expect(await (await transform()).process({ value: '1', key: '{"a":1}' })).toEqual([{ value: 1, key: '{"a":1}' }]);
    expect(await (await transform({ onKey: true })).process({ value: '1', key: Buffer.from('{"a":1}') })).toEqual([
      { value: 1, key: { a: 1 } },
    ]);
  });

  it('passes null values and keys (tombstones) through', async () => {
    const t = await transform({ onKey: true });
    expect(await t.process({ value: null, key: '"k"' })).toEqual([{ value: null, key: 'k' }]);
    expect(await t.process({ value: '{}', key: null })).toEqual([{ value: {}, key: null }]);
  });

  it('strips a byte order mark', async () => {
    const t = await transform();
    expect(await t.process({ value: '\uFEFF{"a":1}' })).toEqual([{ value: { a: 1 } }]);
    expect(await t.process({ value: Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]) })).toEqual([{ value: {} }]);
  });

  it('does not modify the incoming record', async () => {
    const record = Object.freeze({ value: '{"a":1}', origin: 'f:1' });
    await (await transform()).process(record);
    expect(record).toEqual({ value: '{"a":1}', origin: 'f:1' });
  });

  it('reports invalid JSON as a RecordError with the origin, the cause and a truncated excerpt', async () => {
    const record = { value: `{"id": 1, "note": "${'x'.repeat(200)}"`, origin: 'orders.jsonl:42' };
    const error = await failure(await transform(), record);
    expect(error.code).toBe('LS_TRANSFORM_JSON_PARSE');
    expect(error.record).toBe(record);
    expect(error.context).toEqual({ origin: 'orders.jsonl:42', field: 'value' });
    expect(error.cause).toBeInstanceOf(SyntaxError);
    expect(error.message).toContain("transform 'parse' (json): invalid JSON in the value of record orders.jsonl:42");
    expect(error.message).toContain(`the value starts with "{\\"id\\": 1, \\"note\\": \\"${'x'.repeat(61)}…"`);
    expect(error.message).not.toContain('x'.repeat(62));
  });

  it('reports an invalid key with field "key"', async () => {
    const error = await failure(await transform({ onKey: true }), { value: '1', key: 'not json', origin: 'o' });
    expect(error.code).toBe('LS_TRANSFORM_JSON_PARSE');
    expect(error.context['field']).toBe('key');
    expect(error.message).toContain('the key starts with "not json"');
  });

  it('reports invalid UTF-8 instead of parsing replacement characters', async () => {
    const error = await failure(await transform(), { value: Buffer.from([0x22, 0xff, 0x22]), origin: 'o' });
    expect(error.code).toBe('LS_TRANSFORM_JSON_PARSE');
    expect(error.message).toContain('is not valid UTF-8');
  });

  it('refuses values that are not JSON text', async () => {
    const t = await transform();
    const object = await failure(t, { value: { already: 'parsed' }, origin: 'o' });
    expect(object.code).toBe('LS_TRANSFORM_JSON_INPUT');
    expect(object.message).toContain('the value of record o is an object, not JSON text');
    expect((await failure(t, { value: 12 })).message).toContain('is a number');
  });
});
