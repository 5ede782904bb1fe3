import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointKind, CheckpointRecord } from '../core/checkpoint/checkpoint-record';
import { checkRecord } from '../core/checkpoint/checkpoint-validation';
import type { CommitSummary } from '../core/checkpoint/pending-commits';

/** One checkpoint in a pipeline's history (GET /pipelines/{name}/checkpoints). */
export type CheckpointInfo =
  | {
      readonly id: number;
      readonly status: 'completed';
      readonly kind: CheckpointKind;
      readonly triggeredAt: string;
      readonly completedAt: string;
      readonly durationMs: number;
      /** Size of the checkpoint record (JSON, bytes). */
      readonly sizeBytes: number;
      /** Whether every commit of the checkpoint is done (none left to retry, none failed). */
      readonly committed: boolean;
      readonly commits: CommitSummary;
    }
  | { readonly id: number; readonly status: 'aborted'; readonly reason: string };

const RECORD = /^chk-(\d{12})\.json$/;

/**
 * The newest readable checkpoint record in a local checkpoint storage folder, read without taking the store (the
 * service shows it while the pipeline is stopped or before its first checkpoint); undefined when there is none.
 */
export async function latestStoredCheckpoint(dir: string): Promise<CheckpointRecord | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const ids = names.flatMap((name) => RECORD.exec(name)?.[1] ?? []).map(Number).sort((a, b) => b - a);
  for (const id of ids) {
    const path = join(dir, `chk-${String(id).padStart(12, '0')}.json`);
    try {
      return checkRecord(path, await readFile(path, 'utf8'));
    } catch {
      // removed by retention meanwhile, or damaged: the next older one
    }
  }
  return undefined;
}

/** The source positions of a checkpoint record: per source, per reader subtask, each split's state as stored. */
export function sourceOffsets(record: CheckpointRecord): Record<string, Record<string, unknown[]>> {
  return Object.fromEntries(
    Object.entries(record.sources).map(([sourceId, snapshot]) => [
      sourceId,
      Object.fromEntries(Object.entries(snapshot.splits).map(([subtask, splits]) => [subtask, splits.map((split) => split.data)])),
    ]),
  );
}
