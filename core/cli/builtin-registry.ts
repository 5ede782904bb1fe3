// eslint-disable-next-line no-restricted-imports -- moves out of core with the composition root (issue 10)
import { builtinPlugins } from '../../connectors';
import { PluginRegistry } from '../config/plugin-registry';

/** A registry holding every connector and transform that ships with lockstep. */
export function builtinRegistry(): PluginRegistry {
  const registry = new PluginRegistry();
  for (const plugin of builtinPlugins) registry.register(plugin);
  return registry;
}
