import type { PipelineConfig } from '../config/pipeline-config';
import { pluginContext } from '../config/plugin-context';
import type { PluginRegistry } from '../config/plugin-registry';
import type { PipelineComponents } from './pipeline-components';

/**
 * Creates fresh plugin instances for one execution attempt from a loaded pipeline. Plugin `create` does no I/O;
 * connections open when the engine starts the readers and writers.
 */
export async function createComponents(config: PipelineConfig, registry: PluginRegistry): Promise<PipelineComponents> {
  const context = (componentId: string) => pluginContext(config, componentId);
  const sources = config.sources.map((source) => ({
    config: source,
    source: registry.get('source', source.type).create(source, context(source.id)),
    parallelism: source.parallelism ?? config.parallelism,
  }));
  const transforms = [];
  for (const transform of config.transforms) {
    transforms.push({ config: transform, factory: await registry.get('transform', transform.type).create(transform, context(transform.id)) });
  }
  const sinks = config.sinks.map((sink) => ({
    config: sink,
    sink: registry.get('sink', sink.type).create(sink, context(sink.id)),
    parallelism: sink.parallelism ?? config.parallelism,
  }));
  return {
    config,
    sources,
    transforms,
    sinks,
    deadLetterSinkId: config.errors.policy === 'dead-letter' ? config.errors.sink : undefined,
  };
}
