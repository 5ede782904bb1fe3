import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from '../api/plugin';
import { LockstepError } from '../errors/lockstep-error';
import type { ConfigIssue } from './config-issue';
import { childPointer } from './json-pointer';
import type { PluginRegistry } from './plugin-registry';

/** A loaded plugin module: its entry file, the package folder it belongs to, and its plugins. */
export interface PluginModule {
  readonly specifier: string;
  readonly file: string;
  readonly packageDir: string;
  readonly plugins: readonly Plugin[];
}

/**
 * Loads a plugin module: a package name, looked up in `node_modules` folders from `fromDir` upwards, or a path
 * relative to `fromDir` (`./my-connector`: a package folder or a file). Node's `require` loads it: CommonJS, or an
 * ES module without top-level await. It must export `plugins`, an array of source, transform and sink plugins.
 * @throws LockstepError `LS_CONFIG_PLUGIN` when it cannot be found or loaded, or exports no `plugins` array.
 */
export function loadPluginModule(specifier: string, fromDir: string): PluginModule {
  // The file name only anchors resolution; it need not exist.
  const load = createRequire(join(fromDir, 'lockstep-plugins.js'));
  let file: string;
  try {
    file = load.resolve(specifier);
  } catch (cause) {
    throw pluginError(`cannot find plugin module '${specifier}' from ${fromDir}`, cause);
  }
  let exports: unknown;
  try {
    exports = load(file);
  } catch (cause) {
    throw pluginError(`loading plugin module '${specifier}' (${file}) failed: ${messageOf(cause)}`, cause);
  }
  const plugins = (exports as { plugins?: unknown } | null | undefined)?.plugins;
  if (!Array.isArray(plugins)) {
    throw pluginError(`plugin module '${specifier}' (${file}) exports no 'plugins' array`, undefined);
  }
  return { specifier, file, packageDir: packageDirOf(file), plugins: plugins as Plugin[] };
}

/**
 * Loads a plugin module ({@link loadPluginModule}) and registers its plugins; a relative `configSchema` path of
 * theirs resolves in the module's package folder. A plugin already registered (the same object: Node loads a module
 * once) is left as it is.
 * @throws LockstepError `LS_CONFIG_PLUGIN`, also when a plugin is malformed or its type is taken by another plugin.
 */
export function registerPluginModule(registry: PluginRegistry, specifier: string, fromDir: string): PluginModule {
  const module = loadPluginModule(specifier, fromDir);
  for (const plugin of module.plugins) {
    const known = plugin !== null && typeof plugin === 'object' ? registry.find(plugin.kind, plugin.type) : undefined;
    if (known === plugin) continue;
    try {
      registry.register(plugin, { schemaDir: module.packageDir });
    } catch (error) {
      if (!LockstepError.is(error)) throw error;
      throw pluginError(`plugin module '${specifier}' (${module.file}): ${error.message}`, error);
    }
  }
  return module;
}

/**
 * Registers the plugin modules a pipeline lists under `plugins` (paths relative to `baseDir`, the pipeline's folder,
 * or package names) and returns a config issue at `/plugins/<index>` of `file` for each that fails.
 */
export function registerPipelinePlugins(
  document: Record<string, unknown>,
  registry: PluginRegistry,
  where: { readonly file: string; readonly baseDir: string },
): ConfigIssue[] {
  const { file, baseDir } = where;
  const specifiers = document.plugins;
  if (!Array.isArray(specifiers)) return [];
  const issues: ConfigIssue[] = [];
  specifiers.forEach((specifier: unknown, index) => {
    if (typeof specifier !== 'string') return; // the pipeline schema reports it
    try {
      registerPluginModule(registry, specifier, baseDir);
    } catch (error) {
      if (!LockstepError.is(error)) throw error;
      issues.push({ file, path: childPointer('', 'plugins', index), message: error.message });
    }
  });
  return issues;
}

/** The folder of the nearest `package.json` above a module file (the file's own folder when there is none). */
function packageDirOf(file: string): string {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return dirname(file);
  }
}

function messageOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return String(error);
}

function pluginError(message: string, cause: unknown): LockstepError {
  return new LockstepError(message, { code: 'LS_CONFIG_PLUGIN', cause });
}
