import type { SinkTrace } from '../api/sink-traces';
import type { StoreHistory } from '../checkpoint/checkpoint-store';
import { judgeStart, type FoundTraces, type StartFacts } from './start-verdict';

const markers = (newest: number): SinkTrace => ({ state: 'committed', checkpointId: newest, description: `2 commit markers of checkpoints ${newest - 1}–${newest} in public.lockstep_commits` });
const prepared: SinkTrace = { state: 'uncommitted', checkpointId: 9, description: '1 prepared transaction (lockstep:p:pg:0:9)' };
const kafkaIds: SinkTrace = { state: 'committed', description: '3 transactional ids p-out-* known to the brokers' };

function facts(history: Partial<StoreHistory>, restoredId: number | undefined, found: FoundTraces[], unprovable: string[] = []): StartFacts {
  return { pipeline: 'p', store: '/chk', history: { empty: false, lastCompleted: restoredId ?? 0, resetThrough: 0, ...history }, restoredId, found, unprovable };
}

function refusal(verdict: ReturnType<typeof judgeStart>): { code: string; message: string } {
  if (verdict.go) throw new Error(`expected a refusal, got ${JSON.stringify(verdict)}`);
  return { code: verdict.error.code, message: verdict.error.message };
}

describe('judgeStart: no silent fresh start', () => {
  it('refuses an empty store over sinks holding any trace, naming them and the ways on', () => {
    for (const trace of [markers(17), prepared, kafkaIds]) {
      const { code, message } = refusal(judgeStart(facts({ empty: true }, undefined, [{ sinkId: 'pg', traces: [trace] }])));
      expect(code).toBe('LS_CHECKPOINT_SINK_TRACES');
      expect(message).toContain('checkpoint store /chk holds nothing of pipeline p');
      expect(message).toContain(`sink 'pg' holds traces of an earlier run: ${trace.description}`);
      expect(message).toMatch(/--from-checkpoint .*--from-savepoint .*--fresh/);
      expect(message).not.toContain('\n');
    }
    expect(judgeStart(facts({ empty: true }, undefined, [{ sinkId: 'pg', traces: [] }]))).toEqual({ go: true });
  });

  it('ignores traces without checkpoint ids and uncommitted ones once the store knows the pipeline', () => {
    const found = [{ sinkId: 'k', traces: [kafkaIds] }, { sinkId: 'pg', traces: [prepared, markers(5)] }];
    expect(judgeStart(facts({}, 5, found))).toEqual({ go: true });
    // A crash before the first checkpoint completed: the counter exists, nothing was committed.
    expect(judgeStart(facts({}, undefined, [{ sinkId: 'pg', traces: [prepared] }]))).toEqual({ go: true });
  });

  it('refuses commits of checkpoints the store does not hold: MISSING when it recorded them, else SINK_TRACES', () => {
    const missing = refusal(judgeStart(facts({ lastCompleted: 17 }, 16, [{ sinkId: 'pg', traces: [markers(17)] }])));
    expect(missing.code).toBe('LS_CHECKPOINT_MISSING');
    expect(missing.message).toContain('recorded checkpoint 17 as completed but holds checkpoint 16 as its newest: checkpoint files were removed');
    expect(missing.message).toContain("sink 'pg' holds commits of checkpoints after 16: 2 commit markers of checkpoints 16–17");
    expect(missing.message).toContain('Restoring checkpoint 16 would write that again');
    const allGone = refusal(judgeStart(facts({ lastCompleted: 17 }, undefined, [{ sinkId: 'pg', traces: [markers(17)] }])));
    expect(allGone.message).toContain('holds no checkpoint: checkpoint files were removed');
    expect(allGone.message).toContain('Starting afresh would write that again');
    const older = refusal(judgeStart(facts({}, 12, [{ sinkId: 'pg', traces: [markers(17)] }])));
    expect(older.code).toBe('LS_CHECKPOINT_SINK_TRACES');
  });

  it('falls back past a missing checkpoint only when every sink proves nothing of it was committed', () => {
    const found = [{ sinkId: 'pg', traces: [markers(16), prepared] }];
    const verdict = judgeStart(facts({ lastCompleted: 17 }, 16, found));
    expect(verdict).toEqual({ go: true, warning: expect.stringContaining('the sinks hold nothing that checkpoint 17 committed, so lockstep goes on from checkpoint 16') });
    const unprovable = refusal(judgeStart(facts({ lastCompleted: 19 }, 16, found, ['k', 'stdout'])));
    expect(unprovable.code).toBe('LS_CHECKPOINT_MISSING');
    expect(unprovable.message).toContain("sink 'k', 'stdout' cannot prove that nothing of checkpoint 17–19 was committed");
  });

  it('counts what a reset abandoned as accounted for', () => {
    const found = [{ sinkId: 'pg', traces: [markers(30)] }];
    expect(judgeStart(facts({ resetThrough: 30 }, undefined, found))).toEqual({ go: true });
    expect(refusal(judgeStart(facts({ resetThrough: 29 }, undefined, found))).message).toContain('(a reset abandoned checkpoints up to 29)');
  });
});
