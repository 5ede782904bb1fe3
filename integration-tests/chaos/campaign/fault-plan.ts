import { SeededRandom } from '../../../core/testing/seeded-random';
import type { FaultKind, PipelineName } from './campaign-options';

/**
 * One fault, applied to one `lockstep run` of a trial (times count from the run's start):
 * - `sigkill`: the run is SIGKILLed after `afterMs`;
 * - `fail-point`: the engine SIGKILLs itself at `point` (`after-checkpoint-saved@N`, `during-commit@N`);
 * - `zombie`: after `afterMs` the run is paused (SIGSTOP), a second run of the same pipeline is started (it must be
 *   refused: the paused owner is alive), after `pausedMs` the first is resumed (SIGCONT) and SIGKILLed
 *   `thenKillAfterMs` later;
 * - `kafka-restart` / `postgres-restart`: after `afterMs` the service is SIGKILLed, started again `downForMs` later,
 *   and the run is SIGKILLed `thenKillAfterMs` after the service answers again.
 * A run that finishes before its fault lands simply ends (exit 0).
 */
export type Fault =
  | { readonly kind: 'sigkill'; readonly afterMs: number }
  | { readonly kind: 'fail-point'; readonly point: string }
  | { readonly kind: 'zombie'; readonly afterMs: number; readonly pausedMs: number; readonly thenKillAfterMs: number }
  | {
      readonly kind: 'kafka-restart' | 'postgres-restart';
      readonly afterMs: number;
      readonly downForMs: number;
      readonly thenKillAfterMs: number;
    };

/** What one trial does: its pipeline and the faults of its runs, in order; a last run without faults follows. */
export interface TrialPlan {
  readonly index: number;
  readonly seed: number;
  readonly pipeline: PipelineName;
  readonly faults: readonly Fault[];
}

/** The service restarts each pipeline feels (a pipeline without Postgres gains nothing from a Postgres restart). */
const RESTARTS_FELT: Record<PipelineName, readonly FaultKind[]> = {
  'kafka-kafka': ['kafka-restart'],
  'kafka-postgres': ['kafka-restart', 'postgres-restart'],
  'cdc-kafka': ['kafka-restart', 'postgres-restart'],
  'generator-file': [],
};

/** Faulted runs per trial, both included (campaign default). */
export const FAULTED_RUNS: readonly [number, number] = [3, 6];
/**
 * A long pause outlives the checkpoint timeout (15 s) and, with `--kafka-transaction-timeout 20s`, the Kafka sinks'
 * transaction timeout, so that the broker aborts the paused run's transaction and fences its producer before it resumes.
 */
const LONG_PAUSE_SHARE = 0.2;
const LONG_PAUSE_MS: readonly [number, number] = [22_000, 26_000];
const SHORT_PAUSE_MS: readonly [number, number] = [1_000, 5_000];

/** The fault kinds a trial of `pipeline` may draw from `allowed`. */
export function faultKindsFor(pipeline: PipelineName, allowed: readonly FaultKind[]): FaultKind[] {
  return allowed.filter((kind) => !kind.endsWith('-restart') || RESTARTS_FELT[pipeline].includes(kind));
}

/**
 * Plans trial `index` of a campaign: `faultedRuns` (a range) runs, each with a fault drawn from the kinds of `allowed`
 * the pipeline feels. The same arguments always give the same plan.
 */
export function planTrial(
  index: number,
  seed: number,
  pipeline: PipelineName,
  allowed: readonly FaultKind[],
  faultedRuns: readonly [number, number] = FAULTED_RUNS,
): TrialPlan {
  const random = new SeededRandom(seed);
  const kinds = faultKindsFor(pipeline, allowed);
  const faults: Fault[] = [];
  if (kinds.length > 0) {
    const runs = random.int(...faultedRuns);
    for (let run = 0; run < runs; run += 1) faults.push(drawFault(random, pickWeighted(random, kinds)));
  }
  return { index, seed, pipeline, faults };
}

/**
 * How often each kind is drawn, relatively: a service restart costs a trial 15–25 s on a loaded machine (most of it the
 * broker's start-up), so restarts come half as often as the process-level faults.
 */
const FAULT_WEIGHTS: Record<FaultKind, number> = { sigkill: 2, 'fail-point': 2, zombie: 2, 'kafka-restart': 1, 'postgres-restart': 1 };

function pickWeighted(random: SeededRandom, kinds: readonly FaultKind[]): FaultKind {
  const total = kinds.reduce((sum, kind) => sum + FAULT_WEIGHTS[kind], 0);
  let ticket = random.next() * total;
  for (const kind of kinds) {
    ticket -= FAULT_WEIGHTS[kind];
    if (ticket < 0) return kind;
  }
  return kinds[kinds.length - 1] as FaultKind;
}

function drawFault(random: SeededRandom, kind: FaultKind): Fault {
  switch (kind) {
    case 'sigkill':
      return { kind, afterMs: random.int(1_500, 5_000) };
    case 'fail-point':
      return { kind, point: `${random.pick(['after-checkpoint-saved', 'during-commit'])}@${random.int(2, 3)}` };
    case 'zombie': {
      const long = random.chance(LONG_PAUSE_SHARE);
      const pausedMs = long ? random.int(...LONG_PAUSE_MS) : random.int(...SHORT_PAUSE_MS);
      const afterMs = random.int(1_500, 4_000);
      // After a long pause the resumed run first has to get over a timed-out checkpoint: give it time to show it does.
      const thenKillAfterMs = random.int(500, 3_000) * (long ? 4 : 1);
      return { kind, afterMs, pausedMs, thenKillAfterMs };
    }
    case 'kafka-restart':
    case 'postgres-restart':
      return { kind, afterMs: random.int(1_000, 4_000), downForMs: random.int(0, 3_000), thenKillAfterMs: random.int(1_000, 6_000) };
  }
}

/** A short form for progress lines, e.g. `sigkill@2.3s`, `zombie@2.0s+4.1s`, `kafka-restart@1.2s~0.5s`. */
export function describeFault(fault: Fault): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
  switch (fault.kind) {
    case 'sigkill':
      return `sigkill@${s(fault.afterMs)}`;
    case 'fail-point':
      return fault.point;
    case 'zombie':
      return `zombie@${s(fault.afterMs)}+${s(fault.pausedMs)}`;
    case 'kafka-restart':
    case 'postgres-restart':
      return `${fault.kind}@${s(fault.afterMs)}~${s(fault.downForMs)}`;
  }
}
