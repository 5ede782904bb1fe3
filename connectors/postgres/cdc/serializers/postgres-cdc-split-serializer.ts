import {
  asObject,
  invalidState,
  naturalField,
  stringField,
  unknownStateVersion,
  type VersionedSerializer,
} from '../../../../core/sdk';
import { formatLsn, parseLsn } from '../lsn';
import type { CdcProgress, PostgresCdcSplit } from '../postgres-cdc-split';

const WHAT = 'postgres-cdc split';

/**
 * postgres-cdc split state. Version 1: `{ splitId, progress }` where `progress` is `"new"`, `"snapshot"` or
 * `{ lsn: "X/Y", partial?: { commitLsn: "X/Y", emitted: n } }`.
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
  return data;
}

function deserializeProgress(data: unknown): CdcProgress {
  if (data === 'new' || data === 'snapshot') return { phase: data };
  const object = asObject(`${WHAT} progress`, data);
  const lsn = lsnField(object, 'lsn');
  if (object.partial === undefined) return { phase: 'stream', position: { lsn } };
  const partial = asObject(`${WHAT} progress`, object.partial);
  return { phase: 'stream', position: { lsn, partial: { commitLsn: lsnField(partial, 'commitLsn'), emitted: naturalField(WHAT, partial, 'emitted') } } };
}

function lsnField(object: Record<string, unknown>, field: string): bigint {
  const text = stringField(WHAT, object, field);
  try {
    return parseLsn(text);
  } catch {
    throw invalidState(WHAT, `${field} is not a log sequence number`);
  }
}
