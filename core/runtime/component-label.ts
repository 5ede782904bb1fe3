import { failureOriginOf, type FailureOrigin } from '../errors';
import type { PipelineConnectors } from './create-components';

/**
 * How one-line messages name a component: `kafka source 'orders'`, with `withEndpoint` followed by where it connects
 * (`kafka source 'orders' (localhost:19092)`) when the plugin says.
 */
export function componentLabel(components: PipelineConnectors, origin: FailureOrigin, withEndpoint = false): string {
  const entry =
    origin.role === 'source'
      ? components.sources.find((candidate) => candidate.config.id === origin.id)
      : components.sinks.find((candidate) => candidate.config.id === origin.id);
  const plugin = entry === undefined ? undefined : 'source' in entry ? entry.source : entry.sink;
  const label = `${entry?.config.type ?? 'unknown'} ${origin.role} '${origin.id}'`;
  return withEndpoint && plugin?.endpoint !== undefined ? `${label} (${plugin.endpoint})` : label;
}

/** The label of the component `error` came from, or undefined when the runtime did not record it. */
export function failureLabel(components: PipelineConnectors, error: unknown): string | undefined {
  const origin = failureOriginOf(error);
  return origin === undefined ? undefined : componentLabel(components, origin);
}
