import { builtinPlugins } from '../connectors';
import { PluginRegistry } from '../core/config/plugin-registry';

/** A registry holding every connector and transform that ships with lockstep. */
export function builtinRegistry(): PluginRegistry {
  const registry = new PluginRegistry();
  for (const plugin of builtinPlugins) registry.register(plugin);
  return registry;
}
