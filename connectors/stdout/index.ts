export { StdoutSink } from './stdout-sink';
export type { StdoutSinkConfig } from './stdout-sink-config.generated';
export { stdoutSinkPlugin } from './stdout-sink-plugin';
export { StdoutSinkWriter } from './stdout-sink-writer';
