import { tagFailureOrigin, type FailureOrigin } from '../errors';
import { unreachableIn } from '../sdk/unreachable';
import type { ExecutionOutcome } from './checkpoint-driver';
import { componentLabel } from './component-label';
import type { PipelineComponents } from './create-components';
import { startTimeout, type LastingFailures } from './lasting-failures';
import type { PipelineExecution } from './pipeline-execution';

/**
 * Watches the start of one attempt (docs/design.md §3): a connect that fails on a host name that does not resolve
 * ends it at once; a start (connecting, recovering) still running at the limit {@link LastingFailures.startLimitMs}
 * sets is cut with {@link startTimeout}, naming the components it waits for and the connects that failed meanwhile.
 * Call order: create, pass {@link onConnectFailure} to the execution, then {@link run} it.
 */
export class StartWatch {
  private execution: PipelineExecution | undefined;

  constructor(
    private readonly components: PipelineComponents,
    private readonly lasting: LastingFailures,
    /** Whether a checkpoint completed in this process before this attempt. */
    private readonly checkpointed: boolean,
  ) {}

  /** For `ExecutionOptions.onConnectFailure`. */
  readonly onConnectFailure = (origin: FailureOrigin, error: Error): void => {
    if (unreachableIn(error)?.unknownHost === true) this.execution?.abort(tagFailureOrigin(error, origin));
  };

  async run(execution: PipelineExecution): Promise<ExecutionOutcome> {
    this.execution = execution;
    const { restart } = this.components.config;
    const limitMs = this.lasting.startLimitMs(restart, this.checkpointed);
    const timer = limitMs === undefined ? undefined : setTimeout(() => this.cut(execution, restart.startupDeadlineMs ?? limitMs), limitMs);
    try {
      return await execution.run();
    } finally {
      clearTimeout(timer);
    }
  }

  private cut(execution: PipelineExecution, deadlineMs: number): void {
    const waitingFor = execution.startingComponents().map((origin) => {
      const failedConnects = execution.connectFailuresOf(origin);
      return { label: componentLabel(this.components, origin, true), ...(failedConnects === undefined ? {} : { failedConnects }) };
    });
    if (waitingFor.length > 0) execution.abort(startTimeout(waitingFor, deadlineMs, this.checkpointed));
  }
}
