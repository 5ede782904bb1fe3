import {
  asObject,
  invalidState,
  naturalField,
  stringField,
  unknownStateVersion,
  type VersionedSerializer,
} from '../../../../core/sdk';
import { formatLsn, parseLsn } from '../lsn';
import type { CdcProgress, PostgresCdcSplit, SnapshotProgress } from '../postgres-cdc-split';

const WHAT = 'postgres-cdc split';

/**
 * postgres-cdc split state. Version 1: `{ splitId, progress }` where `progress` is `"new"`, `"snapshot"` or
 * `{ lsn: "X/Y", partial?: { commitLsn: "X/Y", emitted: n }, snapshot?: { tables: ["schema.table"…], after?: [text|null…] } }`.
 */
export class PostgresCdcSplitSerializer implements VersionedSerializer<PostgresCdcSplit> {
  readonly version = 1;

  serialize(split: PostgresCdcSplit): unknown {
    return { splitId: split.splitId, progress: serializeProgress(split.progress) };
  }

  deserialize(version: number, data: unknown): PostgresCdcSplit {
    if (version !== 1) throw unknownStateVersion(WHAT, version, [1]);
    const object = asObject(WHAT, data);
    return { splitId: stringField(WHAT, object, 'splitId'), progress: deserializeProgress(object.progress) };
  }
}

function serializeProgress(progress: CdcProgress): unknown {
  if (progress.phase !== 'stream') return progress.phase;
  const { lsn, partial } = progress.position;
  const data: Record<string, unknown> = { lsn: formatLsn(lsn) };
  if (partial !== undefined) data.partial = { commitLsn: formatLsn(partial.commitLsn), emitted: partial.emitted };
  if (progress.snapshot !== undefined) {
    const { tables, after } = progress.snapshot;
    data.snapshot = after === undefined ? { tables: [...tables] } : { tables: [...tables], after: [...after] };
  }
  return data;
}

function deserializeProgress(data: unknown): CdcProgress {
  if (data === 'new' || data === 'snapshot') return { phase: data };
  const object = asObject(`${WHAT} progress`, data);
  const lsn = lsnField(object, 'lsn');
  const snapshot = object.snapshot === undefined ? {} : { snapshot: snapshotProgress(object.snapshot) };
  if (object.partial === undefined) return { phase: 'stream', position: { lsn }, ...snapshot };
  const partial = asObject(`${WHAT} progress`, object.partial);
  return {
    phase: 'stream',
    position: { lsn, partial: { commitLsn: lsnField(partial, 'commitLsn'), emitted: naturalField(WHAT, partial, 'emitted') } },
    ...snapshot,
  };
}

function snapshotProgress(data: unknown): SnapshotProgress {
  const object = asObject(`${WHAT} snapshot`, data);
  const { tables, after } = object;
  if (!Array.isArray(tables) || !tables.every((table) => typeof table === 'string')) throw invalidState(WHAT, 'snapshot.tables is not a list of table names');
  if (after === undefined) return { tables };
  if (!Array.isArray(after) || !after.every((value) => value === null || typeof value === 'string')) {
    throw invalidState(WHAT, 'snapshot.after is not a list of key texts');
  }
  return { tables, after };
}

function lsnField(object: Record<string, unknown>, field: string): bigint {
  const text = stringField(WHAT, object, field);
  try {
    return parseLsn(text);
  } catch {
    throw invalidState(WHAT, `${field} is not a log sequence number`);
  }
}
