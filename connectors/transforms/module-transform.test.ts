import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { LockstepError, type LockstepRecord, type Transform } from '../../core/sdk';
import { testInitContext, testPluginContext, validatedConfig } from '../../core/testing';
import { moduleTransformPlugin } from './module-transform';
import { recordErrorOf as failure } from './fixtures/record-error-of';

const init = testInitContext({ pipeline: 'orders', componentId: 'user' });
const baseDir = join(__dirname, 'fixtures');

async function created(module: string, exportName?: string): Promise<Transform> {
  const config = validatedConfig(moduleTransformPlugin, { id: 'user', module, ...(exportName === undefined ? {} : { export: exportName }) });
  const factory = await moduleTransformPlugin.create(config, testPluginContext({ pipeline: 'orders', componentId: 'user', baseDir }));
  return factory(init);
}

async function opened(module: string, exportName?: string): Promise<Transform> {
  const t = await created(module, exportName);
  await t.open?.();
  return t;
}

async function openFailure(module: string, exportName?: string): Promise<LockstepError> {
  try {
    await opened(module, exportName);
  } catch (error) {
    if (error instanceof LockstepError) return error;
    throw error;
  }
  throw new Error('expected open() to fail');
}


const person = Object.freeze({
  value: Object.freeze({ name: 'ada', items: ['x', 'y'] }),
  key: 'p1',
  origin: 'people:4',
});

describe('module transform with a CommonJS module', () => {
  it("calls the module.exports function for export 'default'", async () => {
    const t = await opened('./uppercase-name.js');
    expect(await t.process(person)).toEqual([{ ...person, value: { name: 'ADA', items: ['x', 'y'] } }]);
  });

  it('takes an absolute path as well as one relative to the pipeline folder, and awaits async functions', async () => {
    const t = await opened(join(baseDir, 'uppercase-name.js'), 'passAsync');
    expect(await t.process(person)).toEqual([person]);
  });

  it('splits a record and gives the parts the incoming origin', async () => {
    const t = await opened('./uppercase-name.js', 'splitItems');
    expect(await t.process(person)).toEqual([
      { value: 'x', key: 'p1', origin: 'people:4' },
      { value: 'y', key: 'p1', origin: 'people:4' },
    ]);
  });

  it('drops the record when the function returns null', async () => {
    expect(await (await opened('./uppercase-name.js', 'dropAll')).process(person)).toEqual([]);
  });

  it("turns the function's error into a RecordError with the user's error as cause", async () => {
    const error = await failure(await opened('./uppercase-name.js', 'fail'), person);
    expect(error.code).toBe('LS_TRANSFORM_MODULE_FAILED');
    expect(error.record).toBe(person);
    expect(error.context['origin']).toBe('people:4');
    expect((error.cause as Error).message).toBe('cannot handle ada');
    expect(error.message).toBe(
      "transform 'user' (module ./uppercase-name.js#fail): the function threw: cannot handle ada (record people:4)",
    );
  });

  it('refuses a result that is not a record', async () => {
    const error = await failure(await opened('./uppercase-name.js', 'notARecord'), person);
    expect(error.code).toBe('LS_TRANSFORM_MODULE_RESULT');
    expect(error.message).toContain("the returned value is not a record (an object with a 'value' field)");
  });

  it('does no I/O in create: a missing module fails at open(), naming path and export', async () => {
    await expect(created('./does-not-exist.js')).resolves.toBeDefined();
    const error = await openFailure('./does-not-exist.js');
    expect(error.code).toBe('LS_TRANSFORM_MODULE_NOT_FOUND');
    expect(error.message).toContain(
      `cannot find module './does-not-exist.js' (looked for ${join(baseDir, 'does-not-exist.js')})`,
    );
    expect(error.context).toEqual({ component: 'user', module: './does-not-exist.js', export: 'default' });
  });

  it('refuses an export that is missing or not a function, listing the exports', async () => {
    const missing = await openFailure('./uppercase-name.js', 'nope');
    expect(missing.code).toBe('LS_TRANSFORM_MODULE_EXPORT');
    expect(missing.message).toContain(`module ${join(baseDir, 'uppercase-name.js')} has no export named 'nope'`);
    expect(missing.message).toContain('(exports: dropAll, fail, notARecord, passAsync, splitItems, version)');
    const notFunction = await openFailure('./uppercase-name.js', 'version');
    expect(notFunction.message).toContain("has an export that is not a function named 'version'");
  });

  it('reports a module whose top level throws, with the cause', async () => {
    const error = await openFailure('./throws-on-load.js');
    expect(error.code).toBe('LS_TRANSFORM_MODULE_LOAD');
    expect(error.message).toContain('configuration file missing');
    expect((error.cause as Error).message).toBe('configuration file missing');
  });

  it('refuses to process before open()', async () => {
    const t = await created('./uppercase-name.js');
    await expect(t.process(person)).rejects.toMatchObject({ code: 'LS_TRANSFORM_NOT_OPEN' });
  });
});

interface Scenario {
  readonly module: string;
  readonly export?: string;
  readonly subtasks?: number;
  readonly records: readonly LockstepRecord[];
}

interface HarnessError {
  readonly name: string;
  readonly code: string;
  readonly message: string;
  readonly context: Record<string, unknown>;
  readonly cause?: string;
}

type Outcome = { outputs: ({ records: LockstepRecord[] } | { error: HarnessError })[] } | { openError: HarnessError };

/**
 * TypeScript and ES modules load through tsx's hooks and Node's require(esm), which Jest's module sandbox cannot host,
 * so these scenarios run in a plain Node process (fixtures/module-harness.js), exactly as in production.
 */
function runInNode(scenarios: readonly Scenario[]): Outcome[] {
  const output = execFileSync(process.execPath, [join(baseDir, 'module-harness.js'), JSON.stringify(scenarios)], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(output) as Outcome[];
}

describe('module transform with TypeScript and ES modules (in a plain Node process)', () => {
  const order = { value: { id: 'o-1', amount: 1500 }, origin: 'orders/1@2' };
  const scenarios: Scenario[] = [
    { module: './enrich-order.ts', records: [order, { value: { id: 'o-2', amount: 5 } }] },
    { module: './enrich-order.ts', export: 'keyById', records: [order] },
    { module: './enrich-order.ts', export: 'countCalls', subtasks: 2, records: [{ value: null }, { value: null }] },
    { module: './esm-tagger.mjs', records: [{ value: 1, headers: { a: 'b' } }] },
    { module: './missing.ts', records: [] },
    { module: './enrich-order.ts', export: 'nope', records: [] },
  ];
  let outcomes: Outcome[] = [];

  beforeAll(() => {
    outcomes = runInNode(scenarios);
  });

  it('compiles the TypeScript module with tsx (an enum included) and awaits its async default export', () => {
    expect(outcomes[0]).toEqual({
      outputs: [
        { records: [{ value: { id: 'o-1', amount: 1500, priority: 'high' }, origin: 'orders/1@2' }] },
        { records: [{ value: { id: 'o-2', amount: 5, priority: 'normal' } }] },
      ],
    });
  });

  it('calls a named TypeScript export', () => {
    expect(outcomes[1]).toEqual({ outputs: [{ records: [{ ...order, key: 'o-1' }] }] });
  });

  it('gives every subtask the same module instance, as Node does for JavaScript', () => {
    expect(outcomes[2]).toEqual({ outputs: [{ records: [{ value: 1 }] }, { records: [{ value: 2 }] }] });
  });

  it('loads an ES module', () => {
    expect(outcomes[3]).toEqual({ outputs: [{ records: [{ value: 1, headers: { a: 'b', tagged: 'esm' } }] }] });
  });

  it('reports a missing TypeScript module at open()', () => {
    expect(outcomes[4]).toMatchObject({
      openError: {
        code: 'LS_TRANSFORM_MODULE_NOT_FOUND',
        message: expect.stringContaining(
          `cannot find module './missing.ts' (looked for ${join(baseDir, 'missing.ts')})`,
        ),
      },
    });
  });

  it('names the TypeScript module path, the export and the exports there are when the export is missing', () => {
    expect(outcomes[5]).toMatchObject({
      openError: {
        code: 'LS_TRANSFORM_MODULE_EXPORT',
        message: expect.stringContaining(
          `module ${join(baseDir, 'enrich-order.ts')} has no export named 'nope' ` +
            '(exports: countCalls, default, keyById)',
        ),
        context: { component: 'user', module: './enrich-order.ts', export: 'nope' },
      },
    });
  });
});
