import type { Transform } from '../../core/sdk';
import { testInitContext, testPluginContext } from '../../core/testing';
import { mapTransformPlugin } from './map-transform';
import type { MapTransformConfig } from './map-transform-config.generated';
import { recordErrorOf as failure } from './fixtures/record-error-of';

const init = testInitContext({ pipeline: 'orders', componentId: 'shape' });

async function map(options: Omit<MapTransformConfig, 'id' | 'type'>): Promise<Transform> {
  const factory = await mapTransformPlugin.create(
    { id: 'shape', type: 'map', ...options },
    testPluginContext({ pipeline: 'orders', componentId: 'shape', baseDir: '/' }),
  );
  return factory(init);
}


function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

const order = deepFreeze({
  value: { id: 'o-1', price: 2.5, quantity: 4, customer: { id: 'c-9', email: 'A@B.C' }, raw: 'x' },
  key: 'old',
  headers: { source: 'web' },
  origin: 'orders/0@17',
});

describe('map transform', () => {
  it('sets, overwrites and removes fields and sets the key, on a copy', async () => {
    const t = await map({
      set: {
        total: 'value.price * value.quantity',
        'customer.email': 'lower(value.customer.email)',
        source: 'headers.source',
      },
      remove: ['raw'],
      key: "concat(value.customer.id, '/', value.id)",
    });
    const [result] = await t.process(order);
    expect(result).toEqual({
      value: { id: 'o-1', price: 2.5, quantity: 4, customer: { id: 'c-9', email: 'a@b.c' }, total: 10, source: 'web' },
      key: 'c-9/o-1',
      headers: { source: 'web' },
      origin: 'orders/0@17',
    });
    expect(order.value.customer.email).toBe('A@B.C');
    expect(order.value.raw).toBe('x');
  });

  it('evaluates every expression against the incoming record, whatever the order of set entries', async () => {
    const t = await map({ set: { price: 'value.price * 2', total: 'value.price * value.quantity' } });
    const [result] = await t.process(order);
    expect(result?.value).toMatchObject({ price: 5, total: 10 });
  });

  it('creates missing intermediate objects and supports odd field names', async () => {
    const t = await map({ set: { 'meta["content-type"]': "'json'", 'a.b.c': '1' } });
    const [result] = await t.process({ value: {} });
    expect(result?.value).toEqual({ meta: { 'content-type': 'json' }, a: { b: { c: 1 } } });
  });

  it('sets a field to null when the expression gives null', async () => {
    const [result] = await (await map({ set: { email: 'value.missing' } })).process({ value: { email: 'x' } });
    expect(result?.value).toEqual({ email: null });
  });

  it('with only a key, accepts any value and leaves it as it is', async () => {
    const t = await map({ key: 'upper(value)' });
    const bytes = Buffer.from('raw');
    expect(await t.process({ value: 'abc', key: 1 })).toEqual([{ value: 'abc', key: 'ABC' }]);
    const [kept] = await (await map({ key: "'k'" })).process({ value: bytes });
    expect(kept?.value).toBe(bytes);
  });

  it('refuses a value that is not an object, naming the origin', async () => {
    const t = await map({ set: { x: '1' } });
    const error = await failure(t, { value: [1, 2], origin: 'f.jsonl:3' });
    expect(error.code).toBe('LS_TRANSFORM_MAP_NOT_OBJECT');
    expect(error.message).toBe("transform 'shape' (map): the value is a list, not an object (record f.jsonl:3)");
    expect((await failure(t, { value: Buffer.from('{}') })).message).toContain('bytes (parse it first');
    expect((await failure(t, { value: null })).message).toContain('the value is null');
  });

  it('refuses to write through a field that is not an object', async () => {
    const error = await failure(await map({ set: { 'customer.id.x': '1' } }), order);
    expect(error.code).toBe('LS_TRANSFORM_MAP_NOT_OBJECT');
    expect(error.context).toEqual({ origin: 'orders/0@17', field: 'set.customer.id.x' });
    expect(error.message).toContain("cannot set 'customer.id.x': 'customer.id' is a string");
  });

  it('passes expression errors on as RecordErrors naming the set entry', async () => {
    const error = await failure(await map({ set: { total: 'value.price * value.missing' } }), order);
    expect(error.code).toBe('LS_EXPRESSION_TYPE');
    expect(error.context).toEqual({ origin: 'orders/0@17', field: 'set.total' });
  });

  it('refuses configs that cannot work, at create time', async () => {
    await expect(map({})).rejects.toMatchObject({ code: 'LS_TRANSFORM_MAP_EMPTY' });
    const conflicting = map({ set: { 'a.b': '1' }, remove: ['a'] });
    await expect(conflicting).rejects.toMatchObject({ code: 'LS_TRANSFORM_MAP_CONFLICT' });
    await expect(map({ set: { 'a b': '1' } })).rejects.toMatchObject({ code: 'LS_TRANSFORM_MAP_FIELD_PATH' });
    await expect(map({ set: { a: 'value.' } })).rejects.toMatchObject({
      code: 'LS_EXPRESSION_SYNTAX',
      context: { option: 'set.a', column: 7 },
    });
    const badKey = map({ key: 'nonsense' });
    await expect(badKey).rejects.toMatchObject({ code: 'LS_EXPRESSION_SYNTAX', context: { option: 'key' } });
  });
});
