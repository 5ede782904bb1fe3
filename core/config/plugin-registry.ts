import type { Plugin } from '../api/plugin';
import { LockstepError } from '../errors/lockstep-error';
import { closestName } from './did-you-mean';

/** How a plugin is registered. */
export interface RegisterOptions {
  /**
   * Folder that a relative `configSchema` path resolves against: the plugin's package folder. Without it, a relative
   * path names a schema under lockstep's `config-schemas/` (the built-in plugins).
   */
  readonly schemaDir?: string;
}

/** The kinds of components a pipeline has. */
export type PluginKind = Plugin['kind'];

/** The plugin type registered for a kind. */
export type PluginOfKind<K extends PluginKind> = Extract<Plugin, { readonly kind: K }>;

const TYPE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const KINDS: readonly PluginKind[] = ['source', 'transform', 'sink'];

/**
 * The source, transform and sink types a pipeline may use (`type: kafka`), by kind: the same type name may be both
 * a source and a sink. Register every plugin before loading pipelines.
 */
export class PluginRegistry {
  private readonly plugins = new Map<PluginKind, Map<string, Plugin>>(KINDS.map((kind) => [kind, new Map()]));
  private readonly schemaDirs = new Map<Plugin, string>();

  /**
   * Adds a plugin. Returns the registry, for chaining.
   * @throws LockstepError `LS_CONFIG_PLUGIN` when its kind, type or schema is malformed or the kind and type are
   *   already registered.
   */
  register(plugin: Plugin, options: RegisterOptions = {}): this {
    // plugins from a module are untyped at run time: a null entry is a malformed plugin, not a TypeError
    if (plugin === null || typeof plugin !== 'object') throw pluginError(`a plugin must be an object, not ${String(plugin)}`);
    const byType = this.plugins.get(plugin.kind);
    if (byType === undefined) throw pluginError(`plugin kind must be one of ${KINDS.join(', ')}`);
    if (typeof plugin.type !== 'string' || !TYPE_NAME.test(plugin.type)) {
      throw pluginError(`plugin type '${String(plugin.type)}' must be letters, digits, '_', '.' or '-', starting with a letter`);
    }
    if (!isConfigSchema(plugin.configSchema)) {
      throw pluginError(`${plugin.kind} plugin '${plugin.type}' must name its schema file (configSchema: a .json path) or give the schema object`);
    }
    if (byType.has(plugin.type)) throw pluginError(`a ${plugin.kind} plugin of type '${plugin.type}' is already registered`);
    byType.set(plugin.type, plugin);
    if (options.schemaDir !== undefined) this.schemaDirs.set(plugin, options.schemaDir);
    return this;
  }

  /** The folder a registered plugin's relative `configSchema` path resolves against, if it was given one. */
  schemaDir(plugin: Plugin): string | undefined {
    return this.schemaDirs.get(plugin);
  }

  /** The plugin for a kind and type, or undefined. */
  find<K extends PluginKind>(kind: K, type: string): PluginOfKind<K> | undefined {
    return this.plugins.get(kind)?.get(type) as PluginOfKind<K> | undefined;
  }

  /**
   * The plugin for a kind and type.
   * @throws LockstepError `LS_CONFIG_UNKNOWN_TYPE` listing the known types of that kind.
   */
  get<K extends PluginKind>(kind: K, type: string): PluginOfKind<K> {
    const plugin = this.find(kind, type);
    if (plugin === undefined) throw new LockstepError(this.unknownTypeMessage(kind, type), { code: 'LS_CONFIG_UNKNOWN_TYPE' });
    return plugin;
  }

  /** Registered types of a kind, sorted. */
  types(kind: PluginKind): string[] {
    return [...(this.plugins.get(kind)?.keys() ?? [])].sort();
  }

  /** `unknown sink type 'postgress' (did you mean 'postgres'?); known sink types: file, postgres`. */
  unknownTypeMessage(kind: PluginKind, type: string): string {
    const known = this.types(kind);
    if (known.length === 0) return `unknown ${kind} type '${type}': no ${kind} types are registered`;
    const suggestion = closestName(type, known);
    const hint = suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`;
    return `unknown ${kind} type '${type}'${hint}; known ${kind} types: ${known.join(', ')}`;
  }
}

function isConfigSchema(schema: unknown): boolean {
  if (typeof schema === 'string') return schema.endsWith('.json');
  return schema !== null && typeof schema === 'object' && !Array.isArray(schema);
}

function pluginError(message: string): LockstepError {
  return new LockstepError(message, { code: 'LS_CONFIG_PLUGIN' });
}
