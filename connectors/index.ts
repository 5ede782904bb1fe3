import type { Plugin } from '../core/api/plugin';
import { fileSinkPlugin, fileSourcePlugin } from './file';
import { generatorSourcePlugin } from './generator';
import { stdoutSinkPlugin } from './stdout';
import { transformPlugins } from './transforms';

export { FileSink, FileSource, fileSinkPlugin, fileSourcePlugin } from './file';
export type { FileCommittable, FileSinkConfig, FileSourceConfig, FileSplit } from './file';
export { GeneratorSource, generatorSourcePlugin } from './generator';
export type { GeneratorSourceConfig, GeneratorSplit, GeneratorValue } from './generator';
export { StdoutSink, stdoutSinkPlugin } from './stdout';
export type { StdoutSinkConfig } from './stdout';
export { transformPlugins } from './transforms';

/**
 * The plugins of this folder, for the plugin registry: sources `generator` and `file`, sinks `file` and `stdout`,
 * and the built-in transforms (`json`, `filter`, `map`, `module`). Connectors that need a driver join as they land.
 */
export const builtinPlugins: Plugin[] = [
  generatorSourcePlugin,
  fileSourcePlugin,
  fileSinkPlugin,
  stdoutSinkPlugin,
  ...transformPlugins,
];
