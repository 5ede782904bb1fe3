/// <reference types="jest" />
import type { InitContext } from '../api/init-context';
import type { Sink } from '../api/sink';
import { supportsTraceInspection, type SupportsTraceInspection } from '../api/sink-traces';
import { LockstepError } from '../errors';
import { defaultIdOf } from './sink-harness';
import { listUncommitted, type SinkWorld } from './sink-world';
import { testInitContext } from './test-init-context';

const TEST_TIMEOUT_MS = 30_000;
const test = (title: string, fn: () => Promise<void>): void => it(title, fn, TEST_TIMEOUT_MS);

/** The sink under test, which the harness declared inspectable. */
function inspectable(sink: Sink<unknown, unknown>): Sink<unknown, unknown> & SupportsTraceInspection {
  if (!supportsTraceInspection(sink)) {
    throw new LockstepError('the harness declares traceInspection but the sink has no findTraces/clearTraces/tracesNameCheckpoints', {
      code: 'LS_CONFORMANCE_FAILED',
    });
  }
  return sink;
}

/** The context the runner gives the sink's trace calls: the committer's, with the sink's parallelism. */
function traceContext(world: SinkWorld): InitContext {
  return testInitContext({ componentId: 'sink', parallelism: world.input.parallelism });
}

async function committedIds(world: SinkWorld): Promise<string[]> {
  const idOf = world.fixture.idOf ?? defaultIdOf;
  return (await world.fixture.readCommitted()).map(idOf).sort();
}

/**
 * The rules of the `SupportsTraceInspection` ability (what the runner relies on to refuse a silent fresh start): no
 * trace in an empty destination; an uncommitted trace once something is pre-committed; a committed one once it is
 * committed — naming the newest committed checkpoint when the sink says its traces name checkpoints; `clearTraces`
 * leaves nothing uncommitted and never removes committed output.
 */
export function describeTraceInspectionRules(setup: () => Promise<SinkWorld>): void {
  test('finds no trace in an empty destination, then what was pre-committed, then what was committed', async () => {
    const world = await setup();
    const sink = inspectable(world.fixture.createSink());
    const context = traceContext(world);
    expect(await sink.findTraces(context)).toEqual([]);
    const run = await world.start();
    await world.writeEach(run, 3);
    const prepared = await run.prepare();
    const before = await sink.findTraces(context);
    expect(before.filter((trace) => trace.state === 'uncommitted')).not.toEqual([]);
    expect(before.filter((trace) => trace.state === 'committed')).toEqual([]);
    run.complete(prepared);
    await run.commit();
    const committed = (await sink.findTraces(context)).filter((trace) => trace.state === 'committed');
    expect(committed).not.toEqual([]);
    if (sink.tracesNameCheckpoints) expect(Math.max(...committed.map((trace) => trace.checkpointId ?? 0))).toBe(prepared.checkpointId);
    for (const trace of committed) expect(trace.description).toMatch(/\S/);
    await run.close();
  });

  test('clears what the pipeline left uncommitted and keeps committed output', async () => {
    const world = await setup();
    const sink = inspectable(world.fixture.createSink());
    const run = await world.start();
    await world.writeEach(run, 2);
    run.complete(await run.prepare());
    await run.commit();
    await world.writeEach(run, 2);
    await run.prepare();
    world.crashed.push(run);
    const output = await committedIds(world);
    expect(output).not.toEqual([]);
    expect(await listUncommitted(world)).not.toEqual([]);
    const lines = await sink.clearTraces(traceContext(world));
    expect(lines.length).toBeGreaterThan(0);
    expect(await listUncommitted(world)).toEqual([]);
    expect(await committedIds(world)).toEqual(output);
  });
}
