import { createHash } from 'node:crypto';
import { LockstepError } from '../errors';
import type { CheckpointRecord } from './checkpoint-record';

/**
 * Integrity of the files of a checkpoint store: each file written by this release is its JSON body plus a `checksum`
 * field (sha256 of the body serialized without it, `sha256:<hex>`); each file read is checked against that checksum
 * (when present: files of format version 1 have none) and against the shape of its format. A damaged file is the fatal
 * `LS_CHECKPOINT_CORRUPT` naming it, never a TypeError further on.
 */

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** The file content for `body`: the body (without any checksum it carries, from a file read) and its checksum last. */
export function sealJson(body: object): string {
  const { checksum: _stale, ...clean } = body as Record<string, unknown>;
  return JSON.stringify({ ...clean, checksum: sha256(JSON.stringify(clean)) });
}

/** A damaged store file: fatal, names the file and what is wrong. */
export function corrupt(path: string, what: string, cause?: unknown): LockstepError {
  return new LockstepError(`checkpoint store file ${path} is damaged: ${what}`, {
    code: 'LS_CHECKPOINT_CORRUPT',
    context: { file: path },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Parses a store file: a JSON object whose checksum, when it has one, matches. Returns the body without it. */
export function unsealJson(path: string, text: string): { body: Record<string, unknown>; sealed: boolean } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw corrupt(path, 'not valid JSON (a torn or truncated write?)', error);
  }
  if (!isObject(parsed)) throw corrupt(path, `expected a JSON object, found ${parsed === null ? 'null' : typeof parsed}`);
  if (!('checksum' in parsed)) return { body: parsed, sealed: false };
  const { checksum, ...body } = parsed;
  if (typeof checksum !== 'string' || checksum !== sha256(JSON.stringify(body))) throw corrupt(path, 'checksum mismatch');
  return { body, sealed: true };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isCount = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0;
const isVersioned = (value: unknown): boolean => isObject(value) && Number.isSafeInteger(value.version) && 'data' in value;
const isMapOf = (value: unknown, check: (entry: unknown) => boolean): boolean =>
  isObject(value) && Object.values(value).every(check);
const isListOf = (value: unknown, check: (entry: unknown) => boolean): boolean => Array.isArray(value) && value.every(check);

const isSource = (value: unknown): boolean =>
  isObject(value) && isVersioned(value.enumerator) && isMapOf(value.splits, (splits) => isListOf(splits, isVersioned));
const isCommittable = (value: unknown): boolean =>
  isObject(value) && isCount(value.checkpointId) && isVersioned(value.committable) && isCount(value.attempts);
const isSink = (value: unknown): boolean =>
  isObject(value) && isMapOf(value.writerStates, isVersioned) && isListOf(value.committables, isCommittable);

/** The first field of a checkpoint record body that does not have its format's shape; undefined when all do. */
function badRecordField(body: Record<string, unknown>): string | undefined {
  const checks: Record<string, (value: unknown) => boolean> = {
    pipeline: (value) => typeof value === 'string',
    checkpointId: (value) => isCount(value) && (value as number) > 0,
    kind: (value) => value === 'periodic' || value === 'final' || value === 'savepoint',
    triggeredAt: (value) => typeof value === 'number',
    completedAt: (value) => typeof value === 'number',
    parallelism: (value) => isMapOf(value, isCount),
    sources: (value) => isMapOf(value, isSource),
    transforms: (value) => isMapOf(value, (states) => isMapOf(states, isVersioned)),
    sinks: (value) => isMapOf(value, isSink),
    finished: (value) => typeof value === 'boolean',
    ownerEpoch: (value) => value === undefined || isCount(value),
  };
  return Object.keys(checks).find((field) => !checks[field]!(body[field]));
}

/** Format versions of the checkpoint record this lockstep reads: 1 (no checksum, no owner epoch) and 2. */
const READABLE_FORMATS = [1, 2];

/** Validates a checkpoint record file's body (format version, checksum, shape). */
export function checkRecord(path: string, text: string): CheckpointRecord {
  const { body, sealed } = unsealJson(path, text);
  const version = body.formatVersion;
  if (typeof version !== 'number') throw corrupt(path, 'no formatVersion');
  if (!READABLE_FORMATS.includes(version)) {
    throw new LockstepError(`checkpoint ${path} has format version ${version}; this lockstep reads ${READABLE_FORMATS.join(' and ')}`, {
      code: 'LS_CHECKPOINT_FORMAT',
    });
  }
  if (version >= 2 && !sealed) throw corrupt(path, `format version ${version} without its checksum`);
  const field = badRecordField(body);
  if (field !== undefined) throw corrupt(path, `field '${field}' is missing or malformed`);
  return body as unknown as CheckpointRecord;
}

/** Contents of the id counter file: the next id, and the newest checkpoint id this store completed (0: none). */
export interface CounterState {
  readonly next: number;
  /** Undefined in a counter written by format version 1 (which did not record it). */
  readonly lastCompleted: number | undefined;
  /** Checkpoint ids up to this one were abandoned by a reset; undefined when the store was never reset. */
  readonly resetThrough: number | undefined;
  /** Epoch of the owner that wrote it (undefined in format version 1). */
  readonly ownerEpoch: number | undefined;
}

export function checkCounter(path: string, text: string): CounterState {
  const { body } = unsealJson(path, text);
  if (!isCount(body.next) || (body.next as number) < 1) throw corrupt(path, "field 'next' is missing or malformed");
  for (const field of ['lastCompleted', 'resetThrough', 'ownerEpoch']) {
    if (body[field] !== undefined && !isCount(body[field])) throw corrupt(path, `field '${field}' is malformed`);
  }
  return {
    next: body.next as number,
    lastCompleted: body.lastCompleted as number | undefined,
    resetThrough: body.resetThrough as number | undefined,
    ownerEpoch: body.ownerEpoch as number | undefined,
  };
}
