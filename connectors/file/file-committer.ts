import { rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Stats } from 'node:fs';
import type { Logger } from 'pino';
import type { CommitOutcome, CommitRequest, Committer } from '../../core/sdk';
import { syncDirectory } from './directory-sync';
import { errnoCode, mapFileError } from './error-mapping';
import type { FileCommittable } from './file-committable';

/**
 * Commits pre-committed part files by renaming them from `.pending/` into the output folder (atomic: a reader of the
 * folder sees the whole file or nothing), then fsyncs both folders so the rename survives a power loss. Idempotent:
 * - pending there, final not: rename → `committed`;
 * - final there, pending not: an earlier commit did it → `already-committed`;
 * - both there as the same file (hard links of one inode): a commit was cut short → finish it, `already-committed`;
 * - both there as different files: a checkpoint id was reused (checkpoints deleted?) → `failed-unknown`, never
 *   overwrite committed data;
 * - neither there: the data is gone (someone removed it) → `failed-known`, reported as possible data loss.
 * File-system errors that may clear (full disk…) → `retry-later`; others → `failed-unknown`.
 */
export class FileCommitter implements Committer<FileCommittable> {
  constructor(private readonly log: Logger) {}

  async commit(requests: readonly CommitRequest<FileCommittable>[]): Promise<CommitOutcome[]> {
    const outcomes: CommitOutcome[] = [];
    const touched = new Set<string>();
    for (const request of requests) outcomes.push(await this.commitOne(request, touched));
    try {
      for (const dir of touched) await syncDirectory(dir);
    } catch (error) {
      // the renames may not be durable: report them as not done; the retry finds them done (already-committed)
      const failure = failureOf(mapFileError(error, 'sync folder', [...touched].join(', ')));
      return outcomes.map((outcome) => (outcome.kind === 'committed' ? failure : outcome));
    }
    return outcomes;
  }

  async close(): Promise<void> {}

  private async commitOne(request: CommitRequest<FileCommittable>, touched: Set<string>): Promise<CommitOutcome> {
    const { pendingPath, finalPath } = request.committable;
    try {
      const [pending, final] = await Promise.all([statIfExists(pendingPath), statIfExists(finalPath)]);
      if (final !== undefined && pending === undefined) return { kind: 'already-committed' };
      if (final !== undefined && pending !== undefined) {
        return await this.resolveBoth(pendingPath, finalPath, pending, final, touched);
      }
      if (pending === undefined) {
        const reason = `neither ${pendingPath} nor ${finalPath} exists: the part file was lost`;
        return { kind: 'failed-known', reason };
      }
      await rename(pendingPath, finalPath);
      touched.add(dirname(finalPath)).add(dirname(pendingPath));
      this.log.debug({ checkpointId: request.checkpointId, file: finalPath }, 'part file committed');
      return { kind: 'committed' };
    } catch (error) {
      return failureOf(mapFileError(error, 'commit', pendingPath));
    }
  }

  private async resolveBoth(
    pendingPath: string,
    finalPath: string,
    pending: Stats,
    final: Stats,
    touched: Set<string>,
  ): Promise<CommitOutcome> {
    if (pending.ino === final.ino && pending.dev === final.dev) {
      await unlink(pendingPath);
      touched.add(dirname(pendingPath));
      return { kind: 'already-committed' };
    }
    return {
      kind: 'failed-unknown',
      reason:
        `${finalPath} exists already and differs from ${pendingPath}: ` +
        'a checkpoint id was used twice; not overwriting it',
    };
  }
}

async function statIfExists(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function failureOf(error: { readonly retriable: boolean; readonly message: string }): CommitOutcome {
  return error.retriable
    ? { kind: 'retry-later', reason: error.message }
    : { kind: 'failed-unknown', reason: error.message, cause: error };
}
