import type { Logger } from 'pino';
import type { InitContext } from '../api/init-context';
import type { Sink } from '../api/sink';
import { supportsTraceInspection, type SupportsTraceInspection } from '../api/sink-traces';
import type { CheckpointRecord } from '../checkpoint/checkpoint-record';
import type { CheckpointStore } from '../checkpoint/checkpoint-store';
import { tagFailureOrigin } from '../errors';
import type { PipelineConnectors } from './create-components';
import { judgeStart, type FoundTraces } from './start-verdict';

/** How a start was asked for: from the latest checkpoint, deliberately from a savepoint or checkpoint file, or reset. */
export type StartMode =
  | { readonly kind: 'latest' }
  | { readonly kind: 'restore'; readonly what: 'savepoint' | 'checkpoint'; readonly from: string }
  | { readonly kind: 'reset' };

export interface StartCheckOptions {
  readonly pipeline: string;
  readonly store: CheckpointStore;
  readonly sinks: PipelineConnectors['sinks'];
  readonly mode: StartMode;
  readonly log: Logger;
}

type InspectableSink = { readonly id: string; readonly sink: Sink & SupportsTraceInspection; readonly context: InitContext };

/**
 * The first start of a pipeline in this process: where it restores from, after asking the sinks what they hold of
 * this pipeline (the {@link SupportsTraceInspection} ability), so that a checkpoint storage that lost its checkpoints
 * never leads to a silent fresh start or a silent fallback (see {@link judgeStart} for the rule).
 * - `latest`: the store's newest checkpoint, judged against the store's history and the sinks' traces; refused with
 *   `LS_CHECKPOINT_SINK_TRACES` / `LS_CHECKPOINT_MISSING` (not retriable) when that could write committed data again.
 * - `restore` (`--from-savepoint`, `--from-checkpoint`): the operator's choice; commits the sinks hold of later
 *   checkpoints are logged, as they will be written again.
 * - `reset`: deletes the store's checkpoints and lets each sink clean what can be cleaned (`clearTraces`), logging it.
 * In every mode the store's ids then go past every checkpoint id the sinks named (new markers and files never meet
 * old ones), which also records that the store is in use. Restarts of the process restore without asking again.
 */
export async function startingPoint(options: StartCheckOptions): Promise<CheckpointRecord | undefined> {
  const { store, mode } = options;
  if (mode.kind === 'reset') return resetStart(options);
  const inspectable = inspectableSinks(options);
  if (mode.kind === 'restore') {
    const record = await store.loadSavepoint(mode.from);
    const found = await findTraces(inspectable.filter((entry) => entry.sink.tracesNameCheckpoints));
    warnAboutLaterCommits(options, record, mode, found);
    await store.advanceCheckpointIds(Math.max(record.checkpointId, newestId(found)));
    return record;
  }
  const record = await store.latest();
  const history = store.history();
  // Traces without checkpoint ids only tell that an earlier run existed: asked for when the store knows of none.
  const asked = history.empty ? inspectable : inspectable.filter((entry) => entry.sink.tracesNameCheckpoints);
  const found = await findTraces(asked);
  const proving = new Set(inspectable.filter((entry) => entry.sink.tracesNameCheckpoints).map((entry) => entry.id));
  const verdict = judgeStart({
    pipeline: options.pipeline,
    store: store.location,
    history,
    restoredId: record?.checkpointId,
    found,
    unprovable: options.sinks.map((entry) => entry.config.id).filter((id) => !proving.has(id)),
  });
  if (!verdict.go) throw verdict.error;
  if (verdict.warning !== undefined) options.log.warn({ store: store.location, found }, verdict.warning);
  await store.advanceCheckpointIds(newestId(found));
  return record;
}

/** What a reset did: the checkpoints deleted, the id the next checkpoint gets, and per sink what was cleaned or kept. */
export interface ResetOutcome {
  readonly removedCheckpoints: number;
  readonly nextCheckpointId: number;
  /** One entry per sink with the trace-inspection ability: the lines its `clearTraces` returned. */
  readonly cleaned: readonly { readonly sinkId: string; readonly lines: readonly string[] }[];
  /** Sinks lockstep cannot inspect or clean: what they hold stays. */
  readonly blind: readonly string[];
}

/**
 * Starting over (`lockstep run --fresh`/`--reset`, `lockstep reset`) on an open store: the store's checkpoints deleted
 * (savepoints kept; ids going on past every id handed out and every id the sinks' traces name), then every sink that
 * can cleans what it holds uncommitted and the bookkeeping tying a new run to the old one. Committed output stays.
 */
export async function resetPipeline(options: Omit<StartCheckOptions, 'mode'>): Promise<ResetOutcome> {
  const inspectable = inspectableSinks(options);
  const { store } = options;
  const found = await findTraces(inspectable);
  const removedCheckpoints = await store.reset(newestId(found));
  const cleaned: { sinkId: string; lines: string[] }[] = [];
  for (const { id, sink, context } of inspectable) {
    const lines = await sink.clearTraces(context).catch((error: unknown) => Promise.reject(tagFailureOrigin(error, { role: 'sink', id })));
    cleaned.push({ sinkId: id, lines });
  }
  const blind = options.sinks.filter((entry) => !supportsTraceInspection(entry.sink)).map((entry) => entry.config.id);
  return { removedCheckpoints, nextCheckpointId: store.peekNextCheckpointId(), cleaned, blind };
}

/** `--reset`: {@link resetPipeline}, logged. */
async function resetStart(options: StartCheckOptions): Promise<undefined> {
  const { store, log } = options;
  const outcome = await resetPipeline(options);
  log.warn(
    { store: store.location, removed: outcome.removedCheckpoints, nextCheckpointId: outcome.nextCheckpointId },
    `RESET: deleted ${outcome.removedCheckpoints} checkpoints of this pipeline; starting afresh (committed output in the sinks stays and receives the replayed records again)`,
  );
  for (const { sinkId, lines } of outcome.cleaned) for (const line of lines) log.warn({ sink: sinkId }, `RESET: sink '${sinkId}': ${line}`);
  const blind = outcome.blind.map((id) => `'${id}'`);
  if (blind.length > 0) log.warn({ sinks: blind }, `RESET: sink ${blind.join(', ')} cannot be inspected or cleaned by lockstep: what it holds stays`);
  return undefined;
}

function warnAboutLaterCommits(
  options: StartCheckOptions,
  record: CheckpointRecord,
  mode: { readonly what: string; readonly from: string },
  found: readonly FoundTraces[],
): void {
  const later = found.flatMap(({ sinkId, traces }) =>
    traces.filter((trace) => trace.state === 'committed' && (trace.checkpointId ?? 0) > record.checkpointId).map((trace) => `sink '${sinkId}': ${trace.description}`),
  );
  if (later.length === 0) return;
  options.log.warn(
    { from: mode.from, checkpointId: record.checkpointId },
    `starting deliberately from ${mode.what} ${mode.from} (checkpoint ${record.checkpointId}); the sinks hold commits of later checkpoints, ` +
      `which receive the replayed records again: ${later.join('; ')}`,
  );
}

function inspectableSinks(options: Omit<StartCheckOptions, 'mode'>): InspectableSink[] {
  return options.sinks.flatMap(({ config, sink, parallelism }) => {
    if (!supportsTraceInspection(sink)) return [];
    const context: InitContext = { pipeline: options.pipeline, componentId: config.id, subtask: 0, parallelism, log: options.log.child({ component: config.id }) };
    return [{ id: config.id, sink, context }];
  });
}

async function findTraces(sinks: readonly InspectableSink[]): Promise<FoundTraces[]> {
  return Promise.all(
    sinks.map(async ({ id, sink, context }) => {
      const traces = await sink.findTraces(context).catch((error: unknown) => Promise.reject(tagFailureOrigin(error, { role: 'sink', id })));
      return { sinkId: id, traces };
    }),
  );
}

/** The newest checkpoint id any trace names (0: none). */
function newestId(found: readonly FoundTraces[]): number {
  return Math.max(0, ...found.flatMap((entry) => entry.traces.map((trace) => trace.checkpointId ?? 0)));
}
