import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LockstepError, type SinkWriterInitContext } from '../../core/sdk';
import { syncDirectory } from './directory-sync';
import { errnoCode, mapFileError } from './error-mapping';
import type { FileCommittable } from './file-committable';
import { parseInProgressFileName, parsePartFileName, PENDING_FOLDER } from './part-file-names';

/**
 * True when this writer cleans up after `subtask`: its own subtask, plus — for subtask 0 — subtasks that no longer
 * exist after a rescale to fewer subtasks, whose leftovers nobody else would remove.
 */
function cleansUpAfter(init: SinkWriterInitContext<FileCommittable>, subtask: number): boolean {
  return subtask === init.subtask || (init.subtask === 0 && subtask >= init.parallelism);
}

/**
 * Recovery of one writer, before it writes anything. The committer already committed the restored checkpoint's
 * committables, so in `.pending` this subtask's files are either
 * - open files (`.inprogress`) of a crashed writer: never part of a checkpoint — removed;
 * - pre-committed files with a checkpoint id > the restored one: that checkpoint never completed, its data is being
 *   replayed — removed (all of them on a fresh start, when there is no restored checkpoint);
 * - pre-committed files with an id ≤ the restored one: listed in a completed checkpoint and only not committed yet
 *   (`retry-later`) — kept for the committer.
 * Other subtasks' files are left to their own writers, which may be recovering at the same time.
 */
export async function removeLeftovers(dir: string, init: SinkWriterInitContext<FileCommittable>): Promise<string[]> {
  const pendingDir = join(dir, PENDING_FOLDER);
  try {
    await mkdir(pendingDir, { recursive: true });
  } catch (error) {
    throw mapFileError(error, 'create folder', pendingDir);
  }
  const removed: string[] = [];
  for (const name of await readdir(pendingDir)) {
    const open = parseInProgressFileName(name);
    const part = parsePartFileName(name);
    const restored = init.restoredCheckpointId;
    const afterRestored = part !== undefined && (restored === undefined || part.checkpointId > restored);
    const orphan =
      (open !== undefined && cleansUpAfter(init, open.subtask)) ||
      (part !== undefined && afterRestored && cleansUpAfter(init, part.subtask));
    if (!orphan) continue;
    try {
      await unlink(join(pendingDir, name));
      removed.push(name);
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw mapFileError(error, 'remove leftover', join(pendingDir, name));
    }
  }
  if (removed.length > 0) await syncDirectory(pendingDir);
  return removed;
}

/**
 * Refuses to start when `dir` already holds a committed file of this subtask with a checkpoint id this run may still
 * use: checkpoint ids never repeat while the checkpoint store is kept, so such a file comes from a run whose
 * checkpoints were deleted, and committing would overwrite it.
 *
 * @throws LockstepError `LS_FILE_ID_CONFLICT`
 */
export async function refuseIdReuse(dir: string, init: SinkWriterInitContext<FileCommittable>): Promise<void> {
  for (const name of await readdir(dir)) {
    const part = parsePartFileName(name);
    if (part === undefined || part.subtask !== init.subtask || part.checkpointId < init.firstCheckpointId) continue;
    throw new LockstepError(
      `${join(dir, name)} was committed by an earlier run whose checkpoints are gone, and checkpoint ` +
        `${part.checkpointId} would overwrite it: move the folder's files away or point the sink to an empty folder`,
      { code: 'LS_FILE_ID_CONFLICT', context: { path: join(dir, name), firstCheckpointId: init.firstCheckpointId } },
    );
  }
}
