import { tagFailureOrigin, type FailureOrigin } from '../errors';
import { unreachableIn } from '../sdk/unreachable';
import type { ExecutionOutcome } from './checkpoint-driver';
import { componentLabel } from './component-label';
import type { PipelineComponents } from './create-components';
import { startTimeout, type LastingFailures } from './lasting-failures';
import type { PipelineExecution } from './pipeline-execution';

/**
 * Watches the start of one attempt (docs/design.md §3): a connect that fails on a host name that does not resolve
 * ends it at once; a start still running at the limit {@link LastingFailures.startLimitMs} sets — the first start's
 * look at the sinks' traces ({@link before}), then the execution's start (connecting, recovering) — is cut with
 * {@link startTimeout}, naming the components it waits for and the connects that failed meanwhile.
 * Call order: create (the clock starts), {@link before} for the steps before the execution, pass
 * {@link onConnectFailure} to the execution, {@link run} it; {@link dispose} when the attempt failed before `run`.
 */
export class StartWatch {
  private execution: PipelineExecution | undefined;
  /** While a step before the execution runs: what it waits for, and how to cut it. */
  private step: { readonly waitingFor: readonly FailureOrigin[]; readonly cut: (error: Error) => void } | undefined;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly deadlineMs: number | undefined;

  constructor(
    private readonly components: PipelineComponents,
    lasting: LastingFailures,
    /** Whether a checkpoint completed in this process before this attempt. */
    private readonly checkpointed: boolean,
  ) {
    const { restart } = components.config;
    const limitMs = lasting.startLimitMs(restart, checkpointed);
    this.deadlineMs = restart.startupDeadlineMs ?? limitMs;
    this.timer = limitMs === undefined ? undefined : setTimeout(() => this.cut(), limitMs);
  }

  /** For `ExecutionOptions.onConnectFailure`. */
  readonly onConnectFailure = (origin: FailureOrigin, error: Error): void => {
    if (unreachableIn(error)?.unknownHost === true) this.execution?.abort(tagFailureOrigin(error, origin));
  };

  /** `step` (it waits for the components `waitingFor`), cut when it is still running at the limit. */
  async before<T>(step: Promise<T>, waitingFor: readonly FailureOrigin[]): Promise<T> {
    step.catch(() => undefined);
    const cut = new Promise<never>((_, reject) => (this.step = { waitingFor, cut: reject }));
    try {
      return await Promise.race([step, cut]);
    } finally {
      this.step = undefined;
    }
  }

  async run(execution: PipelineExecution): Promise<ExecutionOutcome> {
    this.execution = execution;
    try {
      return await execution.run();
    } finally {
      this.dispose();
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
  }

  private cut(): void {
    const deadlineMs = this.deadlineMs ?? 0;
    const { step, execution } = this;
    if (step !== undefined) {
      const labels = step.waitingFor.map((origin) => ({ label: componentLabel(this.components, origin, true) }));
      step.cut(startTimeout(labels.length > 0 ? labels : [{ label: 'the start' }], deadlineMs, this.checkpointed));
      return;
    }
    if (execution === undefined) return;
    const waitingFor = execution.startingComponents().map((origin) => {
      const failedConnects = execution.connectFailuresOf(origin);
      return { label: componentLabel(this.components, origin, true), ...(failedConnects === undefined ? {} : { failedConnects }) };
    });
    if (waitingFor.length > 0) execution.abort(startTimeout(waitingFor, deadlineMs, this.checkpointed));
  }
}
