import { LockstepError, type Transform } from '../../core/sdk';
import { testInitContext, testPluginContext } from '../../core/testing';
import { filterTransformPlugin } from './filter-transform';
import { recordErrorOf as failure } from './fixtures/record-error-of';

const init = testInitContext({ pipeline: 'orders', componentId: 'paid' });

async function filter(where: string): Promise<Transform> {
  const factory = await filterTransformPlugin.create(
    { id: 'paid', type: 'filter', where },
    testPluginContext({ pipeline: 'orders', componentId: 'paid', baseDir: '/' }),
  );
  return factory(init);
}


describe('filter transform', () => {
  it('keeps records where the expression is true and drops those where it is false', async () => {
    const t = await filter("value.status == 'paid' && value.amount >= 10");
    const paid = { value: { status: 'paid', amount: 10 }, origin: 'a' };
    expect(await t.process(paid)).toEqual([paid]);
    expect((await t.process(paid))[0]).toBe(paid);
    expect(await t.process({ value: { status: 'open', amount: 50 } })).toEqual([]);
    expect(await t.process({ value: { status: 'paid', amount: 9 } })).toEqual([]);
  });

  it('filters on headers, key and timestamp', async () => {
    const t = await filter("headers.source in ['web', 'app'] and key != null and timestamp > 0");
    expect(await t.process({ value: 1, key: 'k', headers: { source: 'app' }, timestamp: 1 })).toHaveLength(1);
    expect(await t.process({ value: 1, key: 'k', headers: { source: 'batch' }, timestamp: 1 })).toHaveLength(0);
  });

  it('refuses a non-boolean result instead of guessing, naming the expression and the origin', async () => {
    const t = await filter('value.flag');
    const error = await failure(t, { value: { flag: 'yes' }, origin: 'orders/1@7' });
    expect(error.code).toBe('LS_TRANSFORM_FILTER_NOT_BOOLEAN');
    expect(error.context).toEqual({ origin: 'orders/1@7', field: 'where' });
    expect(error.message).toBe(
      "transform 'paid' (filter): `value.flag` must give true or false but gave \"yes\" for record orders/1@7",
    );
    const missing = await failure(t, { value: {} });
    expect(missing.message).toContain('gave null (use coalesce() for missing fields)');
  });

  it('lets coalesce() decide about missing fields', async () => {
    const t = await filter('coalesce(value.flag, false)');
    expect(await t.process({ value: {} })).toEqual([]);
    expect(await t.process({ value: { flag: true } })).toHaveLength(1);
  });

  it('passes runtime expression errors on as RecordErrors', async () => {
    const error = await failure(await filter('value.amount > 10'), { value: {}, origin: 'x:1' });
    expect(error.code).toBe('LS_EXPRESSION_TYPE');
    expect(error.message).toContain("transform 'paid' option 'where': cannot compare null with a number");
  });

  it('fails at create time on a syntax error, before any record flows', async () => {
    await expect(filter('value.amount >')).rejects.toThrow(LockstepError);
    await expect(filter('value.amount >')).rejects.toMatchObject({ code: 'LS_EXPRESSION_SYNTAX' });
  });
});
