import type { Sink } from '../api/sink';
import type { Source } from '../api/source';
import type { TransformFactory } from '../api/transform';
import { ConfigError } from '../config/config-error';
import type { ConfigIssue } from '../config/config-issue';
import { childPointer } from '../config/json-pointer';
import type { ComponentConfig, ConnectorConfig, PipelineConfig } from '../config/pipeline-config';
import { pluginContext } from '../config/plugin-context';
import type { PluginRegistry } from '../config/plugin-registry';
import { secretScrubberFor } from '../config/redact-config';
import { LockstepError } from '../errors/lockstep-error';

/** The sources and sinks of a pipeline, created from its validated config (no I/O yet). */
export interface PipelineConnectors {
  readonly sources: ReadonlyArray<{ readonly config: ComponentConfig; readonly source: Source; readonly parallelism: number }>;
  /** Every sink, the dead-letter sink included (see `deadLetterSinkId`). */
  readonly sinks: ReadonlyArray<{ readonly config: ComponentConfig; readonly sink: Sink; readonly parallelism: number }>;
  readonly deadLetterSinkId: string | undefined;
}

/** The plugins of a pipeline, created from its validated config (no I/O yet). */
export interface PipelineComponents extends PipelineConnectors {
  readonly config: PipelineConfig;
  readonly transforms: ReadonlyArray<{ readonly config: ComponentConfig; readonly factory: TransformFactory }>;
}

/**
 * Creates the sources and sinks of a loaded pipeline through their plugins, in config order, each with the
 * parallelism the loader settled. Plugin `create` does no I/O by contract, so the guarantee analysis uses this too.
 * @throws ConfigError `LS_CONFIG_INVALID` naming every component whose plugin refused its config (secrets scrubbed).
 */
export function createConnectors(config: PipelineConfig, registry: PluginRegistry): PipelineConnectors {
  const scrubber = secretScrubberFor(config);
  const issues: ConfigIssue[] = [];
  const create = <T>(list: 'sources' | 'sinks', index: number, make: () => T): T[] => {
    try {
      return [make()];
    } catch (error) {
      const reason = scrubber.scrub(error instanceof Error ? error.message : String(error));
      // A plugin names the offending field of its config in `context.field` (`url`, `ssl/ca`).
      const field = LockstepError.is(error) && typeof error.context['field'] === 'string' ? error.context['field'].split('/') : [];
      issues.push({ file: config.file ?? config.name, path: childPointer('', list, index, ...field), message: `cannot be created: ${reason}` });
      return [];
    }
  };
  const entry = (component: ConnectorConfig) => ({ config: component, parallelism: component.parallelism });
  const sources = config.sources.flatMap((component, index) =>
    create('sources', index, () => ({ ...entry(component), source: registry.get('source', component.type).create(component, pluginContext(config, component.id)) })),
  );
  const sinks = config.sinks.flatMap((component, index) =>
    create('sinks', index, () => ({ ...entry(component), sink: registry.get('sink', component.type).create(component, pluginContext(config, component.id)) })),
  );
  if (issues.length > 0) throw new ConfigError('LS_CONFIG_INVALID', issues);
  return { sources, sinks, deadLetterSinkId: config.errors.policy === 'dead-letter' ? config.errors.sink : undefined };
}

/**
 * Creates fresh plugin instances for one execution attempt from a loaded pipeline: the connectors, then the
 * transforms (whose `create` may be asynchronous, e.g. to load a user module). Connections open when the engine
 * starts the readers and writers.
 */
export async function createComponents(config: PipelineConfig, registry: PluginRegistry): Promise<PipelineComponents> {
  const connectors = createConnectors(config, registry);
  const transforms = [];
  for (const transform of config.transforms) {
    transforms.push({ config: transform, factory: await registry.get('transform', transform.type).create(transform, pluginContext(config, transform.id)) });
  }
  return { config, ...connectors, transforms };
}
