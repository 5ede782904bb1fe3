import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  type CommittingSinkWriter,
  LockstepError,
  type LockstepRecord,
  type SinkWriterInitContext,
} from '../../core/sdk';
import { syncDirectory } from './directory-sync';
import { errnoCode, mapFileError } from './error-mapping';
import type { FileCommittable } from './file-committable';
import { refuseIdReuse, removeLeftovers } from './file-sink-recovery';
import { formatLines, type LineFormat } from './line-format';
import { inProgressFileName, partFileName, PENDING_FOLDER } from './part-file-names';

interface OpenPart {
  readonly handle: FileHandle;
  readonly path: string;
  records: number;
}

/**
 * Writes one subtask's records as lines of a part file per checkpoint. Records written between barrier n-1 and
 * barrier n belong to checkpoint n, but the writer learns n only at `prepareCommit(n)`: so it appends to an
 * `.inprogress` file (opened lazily on the first record), and `prepareCommit(n)` fsyncs it and renames it to
 * `.pending/part-<subtask>-<n>.jsonl`. Checkpoint ids never repeat, so a pending name is never reused, and recovery
 * tells orphans by their id alone (see `removeLeftovers`). A checkpoint without records makes no file and no
 * committable.
 */
export class FileSinkWriter implements CommittingSinkWriter<FileCommittable> {
  private readonly pendingDir: string;
  private part: OpenPart | undefined;
  /** The lowest checkpoint id the data written now can belong to. */
  private nextCheckpointId: number;
  private readonly log: Logger;

  constructor(
    private readonly dir: string,
    private readonly format: LineFormat,
    private readonly context: SinkWriterInitContext<FileCommittable>,
  ) {
    this.pendingDir = join(dir, PENDING_FOLDER);
    this.nextCheckpointId = context.firstCheckpointId;
    this.log = context.log.child({ sinkDir: dir });
  }

  async init(): Promise<void> {
    const removed = await removeLeftovers(this.dir, this.context);
    if (removed.length > 0) {
      const { restoredCheckpointId } = this.context;
      this.log.info({ removed, restoredCheckpointId }, 'removed files of a crashed run');
    }
    await refuseIdReuse(this.dir, this.context);
  }

  async write(records: readonly LockstepRecord[]): Promise<void> {
    const { text, error } = formatLines(records, this.format, 'LS_FILE');
    if (text.length > 0) {
      const part = this.part ?? (await this.openPart());
      try {
        await part.handle.appendFile(text);
      } catch (cause) {
        throw mapFileError(cause, 'write', part.path);
      }
      part.records += error === undefined ? records.length : records.indexOf(error.record);
    }
    if (error !== undefined) throw error;
  }

  /** Nothing to do: every `write` already handed its lines to the OS; durability comes with `prepareCommit`'s fsync. */
  async flush(_endOfInput: boolean): Promise<void> {}

  async prepareCommit(checkpointId: number): Promise<FileCommittable[]> {
    if (checkpointId < this.nextCheckpointId) {
      throw new LockstepError(`checkpoint ${checkpointId} arrived after checkpoint ${this.nextCheckpointId - 1}`, {
        code: 'LS_FILE_CHECKPOINT_ORDER',
        context: { checkpointId, subtask: this.context.subtask },
      });
    }
    this.nextCheckpointId = checkpointId + 1;
    const { part } = this;
    if (part === undefined) return [];
    this.part = undefined;
    const name = partFileName(this.context.subtask, checkpointId);
    const pendingPath = join(this.pendingDir, name);
    try {
      await part.handle.sync();
      await part.handle.close();
      await rename(part.path, pendingPath);
      await syncDirectory(this.pendingDir);
    } catch (error) {
      // what is left (an open or pre-committed file of an unfinished checkpoint) is removed by recovery
      await part.handle.close().catch(() => undefined);
      throw mapFileError(error, 'pre-commit', pendingPath);
    }
    this.log.debug({ checkpointId, file: name, records: part.records }, 'part file pre-committed');
    return [{ pendingPath, finalPath: join(this.dir, name) }];
  }

  /** Closes the writer; an open part file (written after the last barrier) is aborted: removed. */
  async close(): Promise<void> {
    const { part } = this;
    this.part = undefined;
    if (part === undefined) return;
    await part.handle.close().catch(() => undefined);
    try {
      await unlink(part.path);
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT') throw mapFileError(error, 'remove aborted part', part.path);
    }
    this.log.debug({ file: part.path, records: part.records }, 'open part file aborted');
  }

  private async openPart(): Promise<OpenPart> {
    const unique = randomBytes(4).toString('hex');
    const path = join(this.pendingDir, inProgressFileName(this.context.subtask, this.nextCheckpointId, unique));
    try {
      // 'ax': append, and fail rather than share a file with another writer
      this.part = { handle: await open(path, 'ax'), path, records: 0 };
    } catch (error) {
      throw mapFileError(error, 'create', path);
    }
    return this.part;
  }
}
