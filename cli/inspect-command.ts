import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Versioned } from '../core/api/serializer';
import type { CheckpointRecord } from '../core/checkpoint/checkpoint-record';
import { checkRecord } from '../core/checkpoint/checkpoint-validation';
import { validatePipeline } from './api';
import { listOption, PLUGIN_OPTION } from './arguments';
import type { Command, CommandIo, ParsedArguments } from './command';
import { EXIT } from './exit-codes';

/** One checkpoint or savepoint file as `inspect` shows it. */
export interface InspectedCheckpoint {
  readonly file: string;
  readonly bytes: number;
  readonly record?: CheckpointRecord;
  /** Why the file could not be read (damaged, wrong shape). */
  readonly problem?: string;
}

/**
 * `lockstep inspect <file>`: what the pipeline's checkpoint store holds, read-only (it takes no ownership, so it works
 * while the pipeline runs): the owner, then each retained checkpoint and savepoint with id, kind, times, size, source
 * positions per split and the commits still pending. `--json` prints the records as they are.
 */
export const inspectCommand: Command = {
  name: 'inspect',
  summary: "show a pipeline's checkpoints and savepoints: ids, times, sizes, source positions, pending commits, and who owns the store",
  positionals: ['file'],
  options: { ...PLUGIN_OPTION, json: { type: 'boolean', description: 'print the checkpoint records as JSON' } },
  execute: (args, io) => inspect(args, io),
};

async function inspect(args: ParsedArguments, io: CommandIo): Promise<number> {
  const file = args.positionals[0] as string;
  const { config } = await validatePipeline(resolve(file), { plugins: listOption(args, 'plugin') });
  const dir = config.checkpoint.storage;
  const checkpoints = await readCheckpoints(dir, await namesIn(dir, /^chk-\d+\.json$/));
  const savepoints = await readCheckpoints(join(dir, 'savepoints'), await namesIn(join(dir, 'savepoints'), /\.json$/));
  const owner = await readOwner(dir);
  if (args.values.json === true) {
    io.out.write(`${JSON.stringify({ pipeline: config.name, store: dir, owner, checkpoints, savepoints }, null, 2)}\n`);
    return EXIT.ok;
  }
  const lines = [`pipeline ${config.name}: checkpoint store ${dir}`, `owner: ${owner === undefined ? 'none' : describeOwner(owner)}`];
  if (checkpoints.length === 0) lines.push('checkpoints: none (a run starts fresh)');
  for (const checkpoint of checkpoints) lines.push(...describe('checkpoint', checkpoint));
  for (const savepoint of savepoints) lines.push(...describe('savepoint', savepoint));
  io.out.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}

async function namesIn(dir: string, pattern: RegExp): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => pattern.test(name)).sort();
  } catch {
    return [];
  }
}

async function readCheckpoints(dir: string, names: readonly string[]): Promise<InspectedCheckpoint[]> {
  return Promise.all(
    names.map(async (name) => {
      const path = join(dir, name);
      const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
      try {
        return { file: path, bytes: info.size, record: checkRecord(path, text) };
      } catch (error) {
        return { file: path, bytes: info.size, problem: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
}

async function readOwner(dir: string): Promise<Record<string, unknown> | undefined> {
  const names = await namesIn(dir, /^owner-\d+\.json$/);
  const newest = names.at(-1);
  if (newest === undefined) return undefined;
  try {
    return JSON.parse(await readFile(join(dir, newest), 'utf8')) as Record<string, unknown>;
  } catch {
    return { file: newest, unreadable: true };
  }
}

function describeOwner(owner: Record<string, unknown>): string {
  const state = owner.released === true ? 'released' : 'held';
  return `epoch ${String(owner.epoch)}, pid ${String(owner.pid)} on ${String(owner.host)} since ${String(owner.since)} (${state})`;
}

function describe(what: string, checkpoint: InspectedCheckpoint): string[] {
  const { record } = checkpoint;
  if (record === undefined) return [`${what} ${checkpoint.file}: unreadable: ${checkpoint.problem ?? ''}`];
  const finished = record.finished ? ', input finished' : '';
  const lines = [
    `${what} ${record.checkpointId} (${record.kind}${finished}) completed ${new Date(record.completedAt).toISOString()} in ${record.completedAt - record.triggeredAt} ms, ${checkpoint.bytes} bytes: ${checkpoint.file}`,
  ];
  for (const [id, source] of Object.entries(record.sources)) {
    for (const [subtask, splits] of Object.entries(source.splits)) {
      lines.push(`  source ${id}[${subtask}]: ${splits.length === 0 ? 'no splits (done or unassigned)' : splits.map(position).join('; ')}`);
    }
  }
  for (const [id, sink] of Object.entries(record.sinks)) {
    const pending = sink.committables.map((entry) => `checkpoint ${entry.checkpointId}: ${position(entry.committable)}`);
    lines.push(`  sink ${id}: ${pending.length === 0 ? "no commits to make" : `${pending.length} commit(s) to make from this checkpoint (a restart repeats them; they are idempotent): ${pending.join("; ")}`}`);
  }
  return lines;
}

/** A versioned state in one short line. */
function position(state: Versioned): string {
  const text = JSON.stringify(state.data);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}
