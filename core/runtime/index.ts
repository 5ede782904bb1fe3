export { Channel, ChannelClosedError } from './channel';
export { createComponents } from './create-components';
export type { PipelineComponents } from './pipeline-components';
export { PipelineExecution } from './pipeline-execution';
export type { ExecutionOptions, ExecutionOutcome } from './pipeline-execution';
export { PipelineMetrics, percentile } from './pipeline-metrics';
export { runPipeline } from './pipeline-runner';
export type { RunPipelineOptions } from './pipeline-runner';
export { restartDelayMs } from './restart-strategy';
