import type { Plugin } from '../core/api/plugin';
import { defaultSchemaRegistry } from '../core/config/schema-registry';
import { registerPluginModule } from '../core/config/plugin-loader';
import { listOption, PLUGIN_OPTION, stringOption, usageError } from './arguments';
import { builtinRegistry } from './builtin-registry';
import type { Command, CommandIo, ParsedArguments } from './command';
import { EXIT } from './exit-codes';

/**
 * Starter options of the built-in types: what a first pipeline needs, with `${VAR:-default}` for addresses so the
 * result validates as printed. Other types (plugins) get their required options from their schema, to fill in.
 */
const STARTERS: Readonly<Record<'source' | 'sink', Readonly<Record<string, readonly string[]>>>> = {
  source: {
    generator: ['count: 1000                # records { seq: n }; remove for an endless stream', '# ratePerSecond: 100'],
    file: ['path: ./input                  # a folder of JSON-lines files', "# pattern: '*.jsonl'"],
    kafka: ['brokers: ["${KAFKA_BROKERS:-localhost:9092}"]', 'topics: [orders]', 'startFrom: earliest', 'valueFormat: json'],
    kinesis: ['stream: orders', 'region: "${AWS_REGION:-us-east-1}"', 'startFrom: TRIM_HORIZON', 'valueFormat: json'],
    postgres: ['url: "${PG_URL:-postgres://postgres@localhost:5432/postgres}"', 'table: orders', 'keyColumn: id'],
    'postgres-cdc': ['url: "${PG_URL:-postgres://postgres@localhost:5432/postgres}"', 'tables: [public.orders]', 'slot: lockstep_orders', 'publication: lockstep_orders', 'snapshot: initial'],
  },
  sink: {
    file: ['path: ./out                    # part-<subtask>-<checkpoint>.jsonl files appear at each checkpoint'],
    stdout: ['# format: json'],
    kafka: ['brokers: ["${KAFKA_BROKERS:-localhost:9092}"]', 'topic: orders-out'],
    postgres: ['url: "${PG_URL:-postgres://postgres@localhost:5432/postgres}"', 'table: orders', 'mode: upsert', 'key: [id]'],
    elasticsearch: ['node: "${ES_URL:-http://localhost:9200}"', 'index: orders'],
    kinesis: ['stream: orders-out', 'region: "${AWS_REGION:-us-east-1}"'],
  },
};

/**
 * `lockstep init --source TYPE --sink TYPE [--name NAME]`: prints a commented starter pipeline to stdout
 * (`lockstep init … > pipeline.yaml`). With the built-in types it validates as printed.
 */
export const initCommand: Command = {
  name: 'init',
  summary: 'print a commented starter pipeline (lockstep init --source generator --sink file > pipeline.yaml)',
  positionals: [],
  options: {
    ...PLUGIN_OPTION,
    source: { type: 'string', value: '<type>', description: 'source type (default generator); see lockstep connectors' },
    sink: { type: 'string', value: '<type>', description: 'sink type (default file)' },
    name: { type: 'string', value: '<name>', description: 'pipeline name (default my-pipeline)' },
  },
  execute: (args, io) => init(args, io),
};

async function init(args: ParsedArguments, io: CommandIo): Promise<number> {
  const registry = builtinRegistry();
  for (const plugin of listOption(args, 'plugin')) registerPluginModule(registry, plugin, process.cwd());
  const source = stringOption(args, 'source') ?? 'generator';
  const sink = stringOption(args, 'sink') ?? 'file';
  const name = stringOption(args, 'name') ?? 'my-pipeline';
  for (const [kind, type] of [['source', source], ['sink', sink]] as const) {
    if (registry.find(kind, type) === undefined) throw usageError(initCommand, registry.unknownTypeMessage(kind, type));
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(name)) throw usageError(initCommand, `--name '${name}': 1 to 100 letters, digits, '_', '.' or '-'`);
  const options = (kind: 'source' | 'sink', type: string): readonly string[] => STARTERS[kind][type] ?? requiredOptions(registry.get(kind, type), registry.schemaDir(registry.get(kind, type)));
  io.out.write(
    [
      '# yaml-language-server: $schema=./node_modules/lockstep/config-schemas/pipeline.bundled.schema.json',
      `# A starter pipeline: ${source} → ${sink}. Check it with 'lockstep validate <file>', run it with 'lockstep run <file>',`,
      "# and after a run 'lockstep verify <file>' counts what the sinks committed. Options: 'lockstep connectors <type>'.",
      `name: ${name}                  # names checkpoints and transactions: keep it stable`,
      '# guarantee: exactly-once          # validate refuses it when a component cannot keep it, and says which',
      'checkpoint:',
      '  interval: 5s                     # sinks make data visible at each checkpoint',
      '  # storage: ./.lockstep/checkpoints/<name>',
      'parallelism: 1',
      'sources:',
      `  - id: in`,
      `    type: ${source}`,
      ...options('source', source).map((line) => `    ${line}`),
      'transforms: []                     # e.g. - { id: keep, type: filter, where: "value.seq % 2 == 0" }',
      'sinks:',
      '  - id: out',
      `    type: ${sink}`,
      ...options('sink', sink).map((line) => `    ${line}`),
      '',
    ].join('\n'),
  );
  return EXIT.ok;
}

/** `option: <fill in>` for each required option of a plugin's schema but id and type. */
function requiredOptions(plugin: Plugin, schemaDir: string | undefined): string[] {
  const { schema } = defaultSchemaRegistry().getConfigSchema(plugin.configSchema, schemaDir);
  const required = ((schema.required ?? []) as string[]).filter((name) => name !== 'id' && name !== 'type');
  const properties = (schema.properties ?? {}) as Record<string, { description?: string }>;
  return required.map((name) => `${name}: "<fill in>"            # ${properties[name]?.description ?? ''}`.trimEnd());
}

