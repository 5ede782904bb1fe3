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
 * Creates the transforms of a loaded pipeline through their plugins, in config order: expressions are compiled and
 * with `check`, the plugins' offline checks run too (user modules found and loaded), so `validate` catches what `run`
 * would refuse.
 * @throws ConfigError `LS_CONFIG_INVALID` naming every transform whose plugin refused its config, at the option the
 *   plugin names (`context.option`, e.g. `where` or `set.amount`, or `context.field`).
 */
export async function createTransforms(
  config: PipelineConfig,
  registry: PluginRegistry,
  options: { readonly check?: boolean } = {},
): Promise<PipelineComponents['transforms']> {
  const scrubber = secretScrubberFor(config);
  const issues: ConfigIssue[] = [];
  const transforms = [];
  for (const [index, transform] of config.transforms.entries()) {
    try {
      const plugin = registry.get('transform', transform.type);
      const context = pluginContext(config, transform.id);
      transforms.push({ config: transform, factory: await plugin.create(transform, context) });
      if (options.check === true) await plugin.check?.(transform, context);
    } catch (error) {
      const reason = scrubber.scrub(error instanceof Error ? error.message : String(error));
      const column = LockstepError.is(error) && typeof error.context['column'] === 'number' ? error.context['column'] : undefined;
      issues.push({
        file: config.file ?? config.name,
        path: childPointer('', 'transforms', index, ...optionSegments(error)),
        // An expression error's own caret lines give way to the file position of the column (`valueColumn`).
        message: column === undefined ? reason : (reason.split('\n')[0] ?? reason),
        ...(column === undefined ? {} : { valueColumn: column }),
      });
    }
  }
  if (issues.length > 0) throw new ConfigError('LS_CONFIG_INVALID', issues);
  return transforms;
}

/** The option a plugin's error names: `set.amount` → `set`, `amount`; `ssl/ca` → `ssl`, `ca`. */
function optionSegments(error: unknown): string[] {
  if (!LockstepError.is(error)) return [];
  const { option, field } = error.context;
  if (typeof option === 'string') {
    const dot = option.indexOf('.');
    return dot < 0 ? [option] : [option.slice(0, dot), option.slice(dot + 1)];
  }
  return typeof field === 'string' ? field.split('/') : [];
}

/**
 * Creates fresh plugin instances for one execution attempt from a loaded pipeline: the connectors, then the
 * transforms (whose `create` may be asynchronous, e.g. to load a user module). Connections open when the engine
 * starts the readers and writers.
 */
export async function createComponents(config: PipelineConfig, registry: PluginRegistry): Promise<PipelineComponents> {
  const connectors = createConnectors(config, registry);
  return { config, ...connectors, transforms: await createTransforms(config, registry) };
}
