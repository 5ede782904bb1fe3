/**
 * Names of the file sink's files. Committed files: `<path>/part-<subtask>-<checkpointId>.jsonl`, the checkpoint id
 * zero-padded to 12 digits so names sort by subtask prefix, then checkpoint. Pre-committed files: the same name in
 * `<path>/.pending/`. Open (not yet pre-committed) files: `<path>/.pending/part-<subtask>-<from>-<unique>.inprogress`,
 * `<from>` the lowest checkpoint id the data can belong to and `<unique>` random, so two writer instances of one
 * subtask (a crashed one and its replacement) never share a file.
 */
export const PENDING_FOLDER = '.pending';

/** Digits of the zero-padded checkpoint id in part file names. */
export const CHECKPOINT_ID_DIGITS = 12;

const PART = /^part-(\d+)-(\d+)\.jsonl$/;
const IN_PROGRESS = /^part-(\d+)-(\d+)-([0-9a-f]+)\.inprogress$/;

/** A part file's subtask and checkpoint id. */
export interface PartFileId {
  readonly subtask: number;
  readonly checkpointId: number;
}

/** `part-<subtask>-<checkpointId, 12 digits>.jsonl`. */
export function partFileName(subtask: number, checkpointId: number): string {
  return `part-${subtask}-${String(checkpointId).padStart(CHECKPOINT_ID_DIGITS, '0')}.jsonl`;
}

/** `part-<subtask>-<from, 12 digits>-<unique>.inprogress`. */
export function inProgressFileName(subtask: number, fromCheckpointId: number, unique: string): string {
  return `part-${subtask}-${String(fromCheckpointId).padStart(CHECKPOINT_ID_DIGITS, '0')}-${unique}.inprogress`;
}

/** Subtask and checkpoint id of a committed or pre-committed part file name; undefined for any other name. */
export function parsePartFileName(name: string): PartFileId | undefined {
  const match = PART.exec(name);
  return match === null ? undefined : { subtask: Number(match[1]), checkpointId: Number(match[2]) };
}

/** Subtask of an in-progress file name; undefined for any other name. */
export function parseInProgressFileName(name: string): { readonly subtask: number } | undefined {
  const match = IN_PROGRESS.exec(name);
  return match === null ? undefined : { subtask: Number(match[1]) };
}
