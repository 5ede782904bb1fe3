import type { SinkTrace } from '../api/sink-traces';
import type { StoreHistory } from '../checkpoint/checkpoint-store';
import { LockstepError } from '../errors';

/** The traces one sink reported at start. */
export interface FoundTraces {
  readonly sinkId: string;
  readonly traces: readonly SinkTrace[];
}

/** What the start of a pipeline from its latest checkpoint is judged on. */
export interface StartFacts {
  readonly pipeline: string;
  /** The checkpoint store's location, for the message. */
  readonly store: string;
  readonly history: StoreHistory;
  /** The checkpoint `latest()` returned; undefined when the store holds none. */
  readonly restoredId: number | undefined;
  /** What the asked sinks hold. */
  readonly found: readonly FoundTraces[];
  /** Sinks that cannot prove what they committed by checkpoint id (no trace ability, or traces without ids). */
  readonly unprovable: readonly string[];
}

/** Go on (with a warning to log, when a missing checkpoint is passed over with proof), or refuse with the error. */
export type StartVerdict = { readonly go: true; readonly warning?: string } | { readonly go: false; readonly error: LockstepError };

/** The ways on, for every refusal. */
const HOW_TO_GO_ON =
  'To go on deliberately: put the checkpoint files back; or start from a retained checkpoint or a savepoint ' +
  '(lockstep run --from-checkpoint <path of a chk-*.json>, --from-savepoint <name|path>): what the sinks committed ' +
  'after it is written again; or start over with lockstep run --fresh (or lockstep reset), which rolls back what the sinks hold ' +
  'uncommitted and deletes their commit markers (committed output stays and receives the replayed records again).';

/**
 * The rule against silent fresh starts (docs/design.md §1, "No silent fresh start"). With `baseline` the newest
 * checkpoint whose commits the store accounts for (the restored one, or the newest one a reset abandoned):
 * 1. a store that holds nothing of an earlier run, over sinks that hold traces of one — refused
 *    (`LS_CHECKPOINT_SINK_TRACES`);
 * 2. a sink holding commits of a checkpoint after the baseline — refused: `LS_CHECKPOINT_MISSING` when the store
 *    recorded that checkpoint as completed (its record was removed), else `LS_CHECKPOINT_SINK_TRACES` (the storage is
 *    older than the sinks);
 * 3. the store recorded a checkpoint after the baseline as completed, and a sink cannot prove that nothing of it was
 *    committed — refused (`LS_CHECKPOINT_MISSING`);
 * 4. else the start goes on, with a warning when it passes over missing checkpoints that the sinks proved uncommitted.
 */
export function judgeStart(facts: StartFacts): StartVerdict {
  const { history, restoredId } = facts;
  const baseline = Math.max(restoredId ?? 0, history.resetThrough);
  if (history.empty) {
    const all = facts.found.filter((entry) => entry.traces.length > 0);
    return all.length === 0 ? { go: true } : refuse(facts, 'LS_CHECKPOINT_SINK_TRACES', emptyStoreText(facts, all));
  }
  const missing = history.lastCompleted > baseline;
  const newer = facts.found
    .map((entry) => ({ ...entry, traces: entry.traces.filter((trace) => trace.state === 'committed' && (trace.checkpointId ?? 0) > baseline) }))
    .filter((entry) => entry.traces.length > 0);
  if (newer.length > 0) {
    const code = missing ? 'LS_CHECKPOINT_MISSING' : 'LS_CHECKPOINT_SINK_TRACES';
    const what = baseline > 0 ? `commits of checkpoints after ${baseline}` : 'commits of checkpoints';
    return refuse(facts, code, `${storeText(facts, baseline)}, but ${listTraces(newer, what)}. ${startText(restoredId)} would write that again`);
  }
  if (missing && facts.unprovable.length > 0) {
    const sinks = facts.unprovable.map((id) => `'${id}'`).join(', ');
    return refuse(
      facts,
      'LS_CHECKPOINT_MISSING',
      `${storeText(facts, baseline)}, and sink ${sinks} cannot prove that nothing of checkpoint ${missingRange(baseline, history.lastCompleted)} was committed. ` +
        `${startText(restoredId)} could write that again`,
    );
  }
  if (!missing) return { go: true };
  return {
    go: true,
    warning:
      `${storeText(facts, baseline)}; the sinks hold nothing that checkpoint ${missingRange(baseline, history.lastCompleted)} committed, ` +
      `so lockstep goes on from ${restoredId === undefined ? 'nothing (a fresh start)' : `checkpoint ${restoredId}`}`,
  };
}

function refuse(facts: StartFacts, code: 'LS_CHECKPOINT_MISSING' | 'LS_CHECKPOINT_SINK_TRACES', text: string): StartVerdict {
  const error = new LockstepError(`${text}. ${HOW_TO_GO_ON}`, {
    code,
    context: { pipeline: facts.pipeline, store: facts.store, lastCompleted: facts.history.lastCompleted, restoredCheckpoint: facts.restoredId },
  });
  return { go: false, error };
}

function emptyStoreText(facts: StartFacts, found: readonly FoundTraces[]): string {
  return (
    `checkpoint store ${facts.store} holds nothing of pipeline ${facts.pipeline} (no checkpoint, no id counter: new, or ` +
    `deleted), but ${listTraces(found, 'traces of an earlier run')}. Starting afresh would write again what that run committed`
  );
}

/** What the store says, when it lost checkpoints or holds fewer than the sinks. */
function storeText(facts: StartFacts, baseline: number): string {
  const { history, restoredId } = facts;
  const holds = restoredId === undefined ? 'holds no checkpoint' : `holds checkpoint ${restoredId} as its newest`;
  if (history.lastCompleted > baseline) {
    return `checkpoint store ${facts.store} recorded checkpoint ${history.lastCompleted} as completed but ${holds}: checkpoint files were removed`;
  }
  const reset = history.resetThrough > 0 && history.resetThrough >= (restoredId ?? 0) ? ` (a reset abandoned checkpoints up to ${history.resetThrough})` : '';
  return `checkpoint store ${facts.store} ${holds}${reset}`;
}

function startText(restoredId: number | undefined): string {
  return restoredId === undefined ? 'Starting afresh' : `Restoring checkpoint ${restoredId}`;
}

function missingRange(baseline: number, lastCompleted: number): string {
  return lastCompleted === baseline + 1 ? `${lastCompleted}` : `${baseline + 1}–${lastCompleted}`;
}

/** `sink 'pg' holds <what>: <trace>; <trace>, and sink 'out' holds …`. */
function listTraces(found: readonly FoundTraces[], what: string): string {
  const sinks = found.map((entry) => `sink '${entry.sinkId}' holds ${what}: ${entry.traces.map((trace) => trace.description).join('; ')}`);
  return sinks.join(', and ');
}
