import type { RestartConfig } from '../config/pipeline-config';
import { LockstepError } from '../errors';
import { unreachableIn } from '../sdk/unreachable';
import { probeTarget } from './restart-wait';

/** A full disk or quota found in an error's cause chain. */
export interface NoSpace {
  /** The file that could not be written, when the error names it. */
  readonly path: string | undefined;
}

const NO_SPACE_CODES: ReadonlySet<string> = new Set(['LS_CHECKPOINT_NO_SPACE', 'LS_FILE_NO_SPACE', 'ENOSPC', 'EDQUOT']);

/** The full disk or quota in `error`'s cause chain (lockstep's `…_NO_SPACE` codes, Node's ENOSPC/EDQUOT), or undefined. */
export function noSpaceIn(error: unknown): NoSpace | undefined {
  const seen = new Set<unknown>();
  for (let current = error; typeof current === 'object' && current !== null && !seen.has(current); current = (current as { cause?: unknown }).cause) {
    seen.add(current);
    const shape = current as { code?: unknown; path?: unknown; context?: { path?: unknown } };
    if (typeof shape.code !== 'string' || !NO_SPACE_CODES.has(shape.code)) continue;
    const path = typeof shape.context?.path === 'string' ? shape.context.path : typeof shape.path === 'string' ? shape.path : undefined;
    return { path };
  }
  return undefined;
}

/** What a restart line or a failure says about `error`'s kind, or undefined for failures of other kinds. */
function lastingKind(error: unknown): { what: string; unknownHost: boolean; noSpace: boolean } | undefined {
  const noSpace = noSpaceIn(error);
  if (noSpace !== undefined) return { what: `no space left on the device writing ${noSpace.path ?? '(a file)'}`, unknownHost: false, noSpace: true };
  const unreachable = unreachableIn(error);
  if (unreachable === undefined) return undefined;
  if (unreachable.unknownHost) return { what: `host ${unreachable.address} does not resolve`, unknownHost: true, noSpace: false };
  return { what: `cannot reach ${unreachable.address}`, unknownHost: false, noSpace: false };
}

function seconds(ms: number): string {
  return (Math.round(ms / 100) / 10).toString();
}

/** How the runner describes one failure: the component it came from (`kafka source 'orders'`), when known. */
export interface FailureContext {
  readonly label: string | undefined;
  /** Whether a checkpoint completed in this process before. */
  readonly checkpointed: boolean;
  /** The backoff before the restart the runner is about to make. */
  readonly delayMs: number;
}

/**
 * The restart policy of failures a restart cannot fix until something outside changes (docs/design.md §3):
 * - a host name that does not resolve fails at once;
 * - a service that cannot be reached is restarted, before the first checkpoint completed in this process, only until
 *   `restart.startupDeadline` after the process started; afterwards restarts keep their backoff up to `maxAttempts`
 *   (a service gone for a while is expected to come back);
 * - a full disk or quota (ENOSPC, EDQUOT) is restarted only until `restart.startupDeadline` after the disk filled (its
 *   first such failure since a checkpoint last completed), whenever it happens: a disk stays full until someone acts;
 * - a start (connecting, recovering) still running `restart.startupDeadline` after it began — or, before the first
 *   checkpoint, after the process started — is cut ({@link startLimitMs}, {@link startTimeout}).
 * Each restart after one of them is one line naming the component, the address or path, and the restart.
 */
export class LastingFailures {
  private noSpaceSince: number | undefined;

  constructor(
    private readonly startedAt: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A checkpoint completed since the last restart: whatever was full has room again. */
  progressed(): void {
    this.noSpaceSince = undefined;
  }

  /** Why the pipeline fails now instead of restarting after `error` (one line), or undefined to restart. */
  verdict(error: unknown, config: RestartConfig, context: FailureContext): string | undefined {
    const kind = lastingKind(error);
    if (kind === undefined) return undefined;
    const who = context.label === undefined ? '' : `${context.label}: `;
    const message = error instanceof Error ? error.message : String(error);
    if (kind.unknownHost) return `${who}${kind.what}: ${message}`;
    const deadline = config.startupDeadlineMs;
    if (deadline === undefined) return undefined;
    const now = this.now();
    let since: number;
    if (kind.noSpace) since = this.noSpaceSince ??= now;
    else if (!context.checkpointed) since = this.startedAt;
    else return undefined;
    if (now - since + context.delayMs <= deadline) return undefined;
    const limit = kind.noSpace
      ? ` (restarts stop at restart.startupDeadline, ${seconds(deadline)} s after the disk filled: free space, then run again)`
      : ` within restart.startupDeadline (${seconds(deadline)} s)`;
    return `${who}${kind.what}${limit}: ${message}`;
  }

  /**
   * The one line logged for the restart after `error`, or undefined for failures of other kinds. A `host:port` that
   * could not be reached is probed while the restart waits (`waitBeforeRestart`, restart-wait.ts): the line says the
   * restart comes sooner once it answers.
   */
  restartLine(error: unknown, attempt: number, config: RestartConfig, context: FailureContext): string | undefined {
    const kind = lastingKind(error);
    if (kind === undefined) return undefined;
    // Without a component, an unreachable address is explained by the error's message; a full disk names its path.
    const who = context.label ?? (kind.noSpace ? undefined : error instanceof Error ? error.message : String(error));
    const sooner = !kind.noSpace && probeTarget(error) !== undefined ? ', or as soon as it accepts connections' : '';
    return `${who === undefined ? '' : `${who}: `}${kind.what}; restart ${attempt}/${config.maxAttempts} in ${seconds(context.delayMs)} s${sooner}`;
  }

  /**
   * How long the start of the attempt about to begin may run before it is cut: before the first checkpoint of this
   * process, what is left of `restart.startupDeadline` since the process started; afterwards the deadline itself.
   * Undefined without a deadline.
   */
  startLimitMs(config: RestartConfig, checkpointed: boolean): number | undefined {
    const deadline = config.startupDeadlineMs;
    if (deadline === undefined) return undefined;
    return checkpointed ? deadline : Math.max(0, deadline - (this.now() - this.startedAt));
  }
}

/** A component a start waits for: its label with its endpoint, and the failed connects its client reported. */
export interface WaitingFor {
  readonly label: string;
  readonly failedConnects?: { readonly count: number; readonly last: Error };
}

/**
 * The error that cuts a start still running at its limit, naming what it waits for (`postgres sink 'db'
 * (postgres://…)`) and the connects that failed meanwhile. Before the first checkpoint of the process it fails the
 * pipeline; afterwards it is retriable.
 */
export function startTimeout(waitingFor: readonly WaitingFor[], deadlineMs: number, checkpointed: boolean): LockstepError {
  const parts = waitingFor.map(({ label, failedConnects }) => {
    const failed = failedConnects === undefined ? '' : `; cannot reach it: ${failedConnects.count} failed connects, the last: ${failedConnects.last.message}`;
    return `${label}: still connecting after ${seconds(deadlineMs)} s (restart.startupDeadline)${failed}`;
  });
  return new LockstepError(parts.join('; '), { code: 'LS_STARTUP_DEADLINE', retriable: checkpointed });
}
