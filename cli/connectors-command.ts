import type { Plugin } from '../core/api/plugin';
import type { PluginKind, PluginRegistry } from '../core/config/plugin-registry';
import { defaultSchemaRegistry } from '../core/config/schema-registry';
import { registerPluginModule } from '../core/config/plugin-loader';
import { listOption, PLUGIN_OPTION, usageError } from './arguments';
import { builtinRegistry } from './builtin-registry';
import type { Command, CommandIo, ParsedArguments } from './command';
import { EXIT } from './exit-codes';

/** One option of a connector, read from its schema. */
export interface ConnectorOption {
  readonly name: string;
  /** `string`, `integer`, `duration`, `one of: a, b`… */
  readonly type: string;
  readonly required: boolean;
  readonly default?: unknown;
  readonly secret?: boolean;
  readonly description: string;
}

/** A source, transform or sink type with its options. */
export interface ConnectorDescription {
  readonly kind: PluginKind;
  readonly type: string;
  readonly description: string;
  readonly options: readonly ConnectorOption[];
}

const KINDS: readonly PluginKind[] = ['source', 'transform', 'sink'];

/**
 * `lockstep connectors [type]`: the source, transform and sink types there are (built in, and from `--plugin`), and
 * with a type, each of its options from its JSON Schema: type, required, default, secret, meaning. `--json` prints the
 * same as JSON.
 */
export const connectorsCommand: Command = {
  name: 'connectors',
  summary: 'list the source, transform and sink types and, for one type, its options (from the JSON Schemas)',
  positionals: ['type?'],
  options: { ...PLUGIN_OPTION, json: { type: 'boolean', description: 'print the descriptions as JSON' } },
  execute: (args, io) => connectors(args, io),
};

async function connectors(args: ParsedArguments, io: CommandIo): Promise<number> {
  const registry = builtinRegistry();
  for (const plugin of listOption(args, 'plugin')) registerPluginModule(registry, plugin, process.cwd());
  const all = describeConnectors(registry);
  const type = args.positionals[0];
  const chosen = type === undefined ? all : all.filter((entry) => entry.type === type);
  if (chosen.length === 0) throw usageError(connectorsCommand, `no connector or transform type '${type ?? ''}'; types: ${[...new Set(all.map((entry) => entry.type))].join(', ')}`);
  if (args.values.json === true) {
    io.out.write(`${JSON.stringify(chosen, null, 2)}\n`);
    return EXIT.ok;
  }
  io.out.write(type === undefined ? formatList(chosen) : chosen.map(formatOne).join('\n'));
  return EXIT.ok;
}

/** Every registered type with its options, in kind then type order. */
export function describeConnectors(registry: PluginRegistry): ConnectorDescription[] {
  return KINDS.flatMap((kind) =>
    registry.types(kind).map((type) => {
      const plugin = registry.get(kind, type) as Plugin;
      const { schema } = defaultSchemaRegistry().getConfigSchema(plugin.configSchema, registry.schemaDir(plugin));
      return { kind, type, description: String(schema.description ?? schema.title ?? ''), options: optionsOf(schema) };
    }),
  );
}

function optionsOf(schema: Record<string, unknown>): ConnectorOption[] {
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties)
    .filter(([name]) => name !== 'type')
    .map(([name, property]) => ({
      name,
      type: typeOf(property),
      required: required.has(name),
      ...(property.default === undefined ? {} : { default: property.default }),
      ...(property.writeOnly === true ? { secret: true } : {}),
      description: String(property.description ?? ''),
    }));
}

function typeOf(property: Record<string, unknown>): string {
  if (property['x-duration'] !== undefined || property.format === 'duration') return 'duration (250ms, 1.5s, 2m)';
  if (Array.isArray(property.enum)) return `one of: ${property.enum.map(String).join(', ')}`;
  if (property.const !== undefined) return JSON.stringify(property.const);
  if (typeof property.type === 'string') {
    if (property.type === 'array' && typeof property.items === 'object' && property.items !== null) return `list of ${typeOf(property.items as Record<string, unknown>)}`;
    return property.type;
  }
  if (Array.isArray(property.type)) return property.type.join(' | ');
  if (Array.isArray(property.oneOf) || Array.isArray(property.anyOf)) return 'see description';
  return typeof property.$ref === 'string' ? 'object' : 'any';
}

function formatList(entries: readonly ConnectorDescription[]): string {
  const lines: string[] = [];
  for (const kind of KINDS) {
    const ofKind = entries.filter((entry) => entry.kind === kind);
    if (ofKind.length === 0) continue;
    lines.push(`${kind}s:`);
    for (const entry of ofKind) lines.push(`  ${entry.type.padEnd(14)} ${firstSentence(entry.description)}`);
  }
  lines.push('', "'lockstep connectors <type>' lists a type's options.");
  return `${lines.join('\n')}\n`;
}

function formatOne(entry: ConnectorDescription): string {
  const lines = [`${entry.kind} ${entry.type}: ${entry.description}`, '', 'options:'];
  for (const option of entry.options) {
    const flags = [option.required ? 'required' : undefined, option.default === undefined ? undefined : `default ${JSON.stringify(option.default)}`, option.secret ? 'secret' : undefined].filter(Boolean);
    lines.push(`  ${option.name} (${option.type}${flags.length > 0 ? `; ${flags.join('; ')}` : ''})`);
    if (option.description !== '') lines.push(`      ${option.description}`);
  }
  return `${lines.join('\n')}\n`;
}

function firstSentence(text: string): string {
  const end = text.search(/\.(\s|$)/);
  return end < 0 ? text : text.slice(0, end + 1);
}
