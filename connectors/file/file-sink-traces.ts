import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { SinkTrace } from '../../core/sdk';
import { syncDirectory } from './directory-sync';
import { errnoCode, mapFileError } from './error-mapping';
import { parseInProgressFileName, parsePartFileName, PENDING_FOLDER } from './part-file-names';

/** Names in `dir`, none when it does not exist. */
export async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw mapFileError(error, 'list', dir);
  }
}

/** `checkpoints 4–40`, or `checkpoint 4`. */
function checkpointRange(ids: readonly number[]): string {
  const low = Math.min(...ids);
  const high = Math.max(...ids);
  return low === high ? `checkpoint ${high}` : `checkpoints ${low}–${high}`;
}

/** The committed part files of every subtask in `dir`: what a reader of the folder sees. */
async function committedParts(dir: string): Promise<number[]> {
  return (await namesIn(dir)).flatMap((name) => parsePartFileName(name)?.checkpointId ?? []);
}

/** Pre-committed part files and open files in `<dir>/.pending`, of every subtask. */
async function pendingFiles(dir: string): Promise<{ names: string[]; checkpointIds: number[] }> {
  const names = (await namesIn(join(dir, PENDING_FOLDER))).filter((name) => parsePartFileName(name) !== undefined || parseInProgressFileName(name) !== undefined);
  return { names, checkpointIds: names.flatMap((name) => parsePartFileName(name)?.checkpointId ?? []) };
}

/**
 * The file sink's traces in its folder (the `SupportsTraceInspection` ability): committed part files
 * (`part-<subtask>-<checkpoint id>.jsonl`, named by checkpoint and never removed by lockstep, so the newest committed
 * checkpoint is always among them) and what `.pending` holds (pre-committed and open files).
 */
export async function findFileSinkTraces(dir: string): Promise<SinkTrace[]> {
  const traces: SinkTrace[] = [];
  const committed = await committedParts(dir);
  if (committed.length > 0) {
    const description = `${committed.length} committed part files (${checkpointRange(committed)}) in ${dir}`;
    traces.push({ state: 'committed', description, checkpointId: Math.max(...committed) });
  }
  const pending = await pendingFiles(dir);
  if (pending.names.length > 0) {
    const newest = pending.checkpointIds.length > 0 ? { checkpointId: Math.max(...pending.checkpointIds) } : {};
    traces.push({ state: 'uncommitted', description: `${pending.names.length} pre-committed or open files in ${join(dir, PENDING_FOLDER)}`, ...newest });
  }
  return traces;
}

/**
 * For `--reset`: removes every pre-committed and open file of the sink (any subtask) from `.pending`; keeps the
 * committed part files, which are output. Returns what it did, for the log.
 */
export async function clearFileSinkTraces(dir: string): Promise<string[]> {
  const pendingDir = join(dir, PENDING_FOLDER);
  const pending = await pendingFiles(dir);
  for (const name of pending.names) {
    try {
      await unlink(join(pendingDir, name));
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw mapFileError(error, 'remove', join(pendingDir, name));
    }
  }
  if (pending.names.length > 0) await syncDirectory(pendingDir);
  const lines = [`removed ${pending.names.length} pre-committed or open files from ${pendingDir}`];
  const committed = await committedParts(dir);
  if (committed.length > 0) {
    lines.push(
      `kept ${committed.length} committed part files (${checkpointRange(committed)}) in ${dir}: they are output; ` +
        'move them away by hand for the output to start over (new part files get higher checkpoint ids)',
    );
  }
  return lines;
}
