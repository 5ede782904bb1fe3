import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { LocalCheckpointStore } from '../core/checkpoint/local-checkpoint-store';
import { LockstepError } from '../core/errors/lockstep-error';
import { createConnectors } from '../core/runtime/create-components';
import { resetPipeline, type ResetOutcome } from '../core/runtime/start-check';
import { validatePipeline } from './api';
import { listOption, PLUGIN_OPTION } from './arguments';
import type { Command, CommandIo, ParsedArguments } from './command';
import { EXIT } from './exit-codes';

/**
 * `lockstep reset <file>`: starts a pipeline over without running it (Kafka Connect's `connect offsets reset`; Flink's
 * start without a savepoint). It takes the checkpoint store as a run does — refused (`LS_CHECKPOINT_OWNED`, exit 1,
 * nothing removed) while another process owns it — then deletes the checkpoints (savepoints are kept), lets each sink
 * roll back what it holds uncommitted and drop the bookkeeping that ties a run to the old one (Postgres commit markers,
 * pending files), and releases the store. What the sinks committed stays: the next run reads the source from its start
 * and writes those records again. The report (stdout) names every checkpoint id deleted, the savepoints kept and what
 * each sink did. `lockstep run --fresh` is the same reset followed by the run.
 */
export const resetCommand: Command = {
  name: 'reset',
  summary: 'start a stopped pipeline over: delete its checkpoints (savepoints stay), roll back what its sinks hold uncommitted; committed output stays',
  positionals: ['file'],
  options: { ...PLUGIN_OPTION },
  details: [
    'Refused while another process runs the pipeline (it owns the checkpoint store): stop it first (SIGTERM takes a',
    'savepoint). The next run reads the input from its start and writes it again into what the sinks already hold.',
    "'lockstep run --fresh <file>' resets and runs in one go. Exit codes: 0 reset, 1 refused or failed, 2 invalid input.",
  ].join('\n'),
  execute: (args, io) => reset(args, io),
};

async function reset(args: ParsedArguments, io: CommandIo): Promise<number> {
  const file = args.positionals[0] as string;
  const { config, registry } = await validatePipeline(resolve(file), { plugins: listOption(args, 'plugin') });
  const { sinks } = createConnectors(config, registry);
  const dir = config.checkpoint.storage;
  const store = new LocalCheckpointStore(dir, config.checkpoint.retain);
  try {
    await store.open();
  } catch (error) {
    if (LockstepError.is(error) && error.code === 'LS_CHECKPOINT_OWNED') {
      io.err.write(`reset of ${config.name} refused, nothing removed: ${error.message.replace(/ start with --take-over/, " run 'lockstep run --take-over'")}\n`);
      return EXIT.failed;
    }
    throw error;
  }
  let outcome: ResetOutcome;
  let deleted: number[];
  try {
    deleted = await checkpointIds(dir);
    outcome = await resetPipeline({ pipeline: config.name, store, sinks, log: pino({ level: 'silent' }) });
  } finally {
    await store.close();
  }
  const savepoints = (await names(join(dir, 'savepoints'))).filter((name) => name.endsWith('.json')).map((name) => name.slice(0, -'.json'.length));
  const types = new Map(config.sinks.map((sink) => [sink.id, sink.type]));
  const lines = [
    `reset: pipeline ${config.name} (${file})`,
    `checkpoint store ${dir}:`,
    deleted.length === 0
      ? '  deleted no checkpoint (there was none)'
      : `  deleted ${deleted.length === 1 ? 'checkpoint' : 'checkpoints'} ${deleted.join(', ')}; the next run's checkpoints start at ${outcome.nextCheckpointId}`,
    savepoints.length === 0
      ? '  savepoints: none'
      : `  kept savepoints: ${savepoints.join(', ')} (lockstep run --from-savepoint <name> starts from one; delete the files to drop them)`,
  ];
  for (const { sinkId, lines: done } of outcome.cleaned) {
    lines.push(`sink ${sinkId} (${types.get(sinkId) ?? '?'}):`, ...done.map((line) => `  ${line}`));
  }
  for (const sinkId of outcome.blind) lines.push(`sink ${sinkId} (${types.get(sinkId) ?? '?'}): lockstep cannot inspect or clean it; what it holds stays`);
  lines.push(
    'The sinks keep what they committed: the next run reads the input from its start and writes it again next to it',
    '(verify then counts those records twice); empty the sinks yourself for a clean slate.',
  );
  io.out.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}

/** The ids of the `chk-<id>.json` records in `dir`, ascending. */
async function checkpointIds(dir: string): Promise<number[]> {
  return (await names(dir))
    .flatMap((name) => /^chk-(\d{12})\.json$/.exec(name)?.[1] ?? [])
    .map(Number)
    .sort((a, b) => a - b);
}

async function names(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}
