import { resolve } from 'node:path';
import pino from 'pino';
import type { InitContext } from '../core/api/init-context';
import type { Sink } from '../core/api/sink';
import { supportsCommittedOutput, type CommittedRecord } from '../core/api/sink-output';
import { supportsTraceInspection } from '../core/api/sink-traces';
import type { PipelineConfig } from '../core/config/pipeline-config';
import { createConnectors } from '../core/runtime/create-components';
import { validatePipeline } from './api';
import { listOption, PLUGIN_OPTION, stringOption } from './arguments';
import type { Command, CommandIo, ParsedArguments } from './command';
import { EXIT } from './exit-codes';

/** What verify found in one sink. */
export interface SinkVerification {
  readonly id: string;
  readonly type: string;
  /** Where its output lives, when it can be read back. */
  readonly output?: string;
  readonly records?: number;
  /** What duplicates are judged by: `--key` field, the source position, or the whole value. */
  readonly key?: string;
  readonly duplicates?: { readonly count: number; readonly examples: readonly string[] };
  readonly withoutKey?: number;
  /** Uncommitted traces: prepared transactions, open transactions, pre-committed or open files. */
  readonly leftovers: readonly string[];
  readonly problems: readonly string[];
  /** The sink can read back what it committed, but reading failed (its problems say why). */
  readonly unreadable?: true;
}

const EXAMPLES = 5;

/**
 * `lockstep verify <file>`: for a finished or stopped pipeline, reads back what each sink committed and reports, per
 * sink, the record count, duplicates by a key (`--key field.path` into the value — a column for a table; default the
 * record's source position when the sink stores it, else the sink's own key — a Postgres table's upsert key or written
 * columns — else the whole value) and leftovers (what the sink holds uncommitted: prepared Postgres transactions of
 * its gids, open Kafka transactions of its prefix, pre-committed or `.inprogress` files); for a generator source, the
 * input's size. Sinks read back: those with the `SupportsCommittedOutput` ability (file, Kafka and Postgres sinks; a
 * new sink joins by implementing it); every sink with `SupportsTraceInspection` reports leftovers. The report goes to stdout. Exit 0 only when nothing is duplicated,
 * missing or left over; 1 otherwise; 2 invalid input.
 */
export const verifyCommand: Command = {
  name: 'verify',
  summary: 'check what a finished or stopped pipeline committed: per sink the count, duplicates (by --key) and leftovers (exit 0 only when every record landed once)',
  positionals: ['file'],
  options: {
    ...PLUGIN_OPTION,
    key: { type: 'string', value: '<field>', description: 'field (dot path into the value; a column for a postgres table) that identifies a record; default the source position if the sink stores it, else the sink\'s key (postgres: upsert key or written columns), else the whole value' },
    sink: { type: 'string', value: '<id>', description: 'verify this sink only' },
  },
  details: 'Run it when the pipeline is not running: a running one holds open transactions and files that are not leftovers.',
  execute: (args, io) => verify(args, io),
};

async function verify(args: ParsedArguments, io: CommandIo): Promise<number> {
  const file = args.positionals[0] as string;
  const { config, registry } = await validatePipeline(resolve(file), { plugins: listOption(args, 'plugin') });
  const only = stringOption(args, 'sink');
  const key = stringOption(args, 'key');
  const log = pino({ level: 'silent' });
  const { sinks } = createConnectors(config, registry);
  const chosen = sinks.filter((entry) => only === undefined || entry.config.id === only);
  if (only !== undefined && chosen.length === 0) {
    io.err.write(`no sink '${only}' in ${file}; sinks: ${sinks.map((entry) => entry.config.id).join(', ')}\n`);
    return EXIT.invalid;
  }
  const results: SinkVerification[] = [];
  for (const { config: component, sink, parallelism } of chosen) {
    const context: InitContext = { pipeline: config.name, componentId: component.id, subtask: 0, parallelism, log };
    results.push(await verifySink(component.id, component.type, sink, context, key));
  }
  const input = inputSize(config, results);
  io.out.write(formatReport(config, file, results, input));
  const failed = results.some((result) => result.problems.length > 0) || input.problem !== undefined;
  return failed ? EXIT.failed : EXIT.ok;
}

/** Count, duplicates and leftovers of one sink. */
export async function verifySink(id: string, type: string, sink: Sink, context: InitContext, key: string | undefined): Promise<SinkVerification> {
  const leftovers = supportsTraceInspection(sink)
    ? (await sink.findTraces(context)).filter((trace) => trace.state === 'uncommitted' && trace.settled !== true).map((trace) => trace.description)
    : [];
  const problems = leftovers.map((leftover) => `left over: ${leftover} (a crashed run's; the next run rolls it back)`);
  if (!supportsCommittedOutput(sink)) return { id, type, leftovers, problems };
  const seen = new Map<string, string>();
  const examples: string[] = [];
  let records = 0;
  let duplicates = 0;
  let withoutKey = 0;
  let keyName: string | undefined = key;
  const unreadable = (error: unknown): SinkVerification => ({
    id,
    type,
    output: sink.describeOutput(),
    leftovers,
    problems: [...problems, `cannot be read back: ${error instanceof Error ? error.message : String(error)}`],
    unreadable: true,
  });
  try {
    for await (const record of sink.readCommitted(context)) {
      records += 1;
      keyName ??= record.position !== undefined ? 'source position' : (record.key?.name ?? 'the whole value');
      const identity = identityOf(record, key);
      if (identity === undefined) {
        withoutKey += 1;
        continue;
      }
      const first = seen.get(identity);
      if (first === undefined) {
        seen.set(identity, record.location);
        continue;
      }
      duplicates += 1;
      if (examples.length < EXAMPLES) examples.push(`${shorten(identity)} at ${first} and ${record.location}`);
    }
  } catch (error) {
    // The destination could not be read (a table or topic gone, a server down): reported with the sink, not counted.
    return unreadable(error);
  }
  if (duplicates > 0) problems.push(`${duplicates} duplicates by ${keyName}`);
  if (withoutKey > 0) problems.push(`${withoutKey} records have no field ${key ?? ''}`);
  return {
    id,
    type,
    output: sink.describeOutput(),
    records,
    key: keyName ?? (key ?? 'the whole value'),
    duplicates: { count: duplicates, examples },
    ...(withoutKey > 0 ? { withoutKey } : {}),
    leftovers,
    problems,
  };
}

function identityOf(record: CommittedRecord, key: string | undefined): string | undefined {
  if (key === undefined) return record.position ?? record.key?.value ?? JSON.stringify(record.value);
  let current: unknown = record.value;
  for (const part of key.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return JSON.stringify(current);
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Built-in transforms that pass every record on as exactly one record. */
const ONE_FOR_ONE = new Set(['map', 'json', 'throttle']);

/** The size of a bounded input lockstep knows offline (the generator's count), compared with one sink's count when nothing drops records. */
function inputSize(config: PipelineConfig, results: readonly SinkVerification[]): { line?: string; problem?: string } {
  const generators = config.sources.filter((source) => source.type === 'generator' && typeof (source as { count?: unknown }).count === 'number');
  if (generators.length === 0 || generators.length !== config.sources.length) return {};
  const expected = generators.reduce((sum, source) => sum + ((source as { count?: number }).count ?? 0), 0);
  const dropping = config.transforms.filter((transform) => !ONE_FOR_ONE.has(transform.type)).map((transform) => `${transform.id} (${transform.type})`);
  if (dropping.length > 0) return { line: `input: ${expected} records generated; ${dropping.join(', ')} may drop or add records, so the counts are not compared` };
  const short = results.filter((result) => result.records !== undefined && result.records !== expected && result.id !== config.errors.sink);
  const line = `input: ${expected} records generated`;
  if (short.length === 0) return { line };
  const problem = short.map((result) => `sink ${result.id} holds ${result.records} records, the input has ${expected}`).join('; ');
  return { line, problem };
}

function formatReport(config: PipelineConfig, file: string, results: readonly SinkVerification[], input: { line?: string; problem?: string }): string {
  const lines = [`verify: pipeline ${config.name} (${file})`];
  for (const result of results) {
    lines.push(`sink ${result.id} (${result.type})${result.output === undefined ? '' : `: ${result.output}`}`);
    if (result.unreadable === true) {
      lines.push('  records: not counted: reading them back failed (below)');
    } else if (result.records === undefined) {
      lines.push(`  records: not read back (the ${result.type} sink cannot list what it committed)`);
    } else {
      lines.push(`  records: ${result.records} committed`);
      const duplicates = result.duplicates?.count ?? 0;
      lines.push(`  duplicates by ${result.key ?? 'the whole value'}: ${duplicates === 0 ? 'none' : duplicates}`);
      for (const example of result.duplicates?.examples ?? []) lines.push(`    ${example}`);
      if (result.withoutKey !== undefined) lines.push(`  without the key field: ${result.withoutKey}`);
    }
    lines.push(`  leftovers: ${result.leftovers.length === 0 ? 'none' : result.leftovers.join('; ')}`);
  }
  if (input.line !== undefined) lines.push(input.line);
  const problems = [...results.flatMap((result) => result.problems.map((problem) => `sink ${result.id}: ${problem}`)), ...(input.problem === undefined ? [] : [input.problem])];
  const unread = results.filter((result) => result.records === undefined).map((result) => result.id);
  const ok = unread.length === 0 ? 'OK: every record once, nothing left over' : `OK: nothing left over; not counted: sink ${unread.join(', sink ')} (cannot be read back)`;
  lines.push(problems.length === 0 ? ok : `NOT OK: ${problems.join('; ')}`);
  return `${lines.join('\n')}\n`;
}
