import type { PluginContext } from '../api/plugin';
import type { PipelineConfig } from './pipeline-config';

/** The context a plugin's `create` gets for component `componentId` of a loaded pipeline. */
export function pluginContext(config: PipelineConfig, componentId: string): PluginContext {
  return {
    pipeline: config.name,
    componentId,
    baseDir: config.baseDir ?? process.cwd(),
    checkpoint: { intervalMs: config.checkpoint.intervalMs, timeoutMs: config.checkpoint.timeoutMs },
  };
}
