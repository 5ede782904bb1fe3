import {
  asObject,
  invalidState,
  stringField,
  unknownStateVersion,
  type VersionedSerializer,
} from '../../../../core/sdk';
import { INCREMENTAL_SPLIT_ID, type PostgresTableSplit } from '../postgres-table-split';

const WHAT = 'postgres table split';

/**
 * Postgres table source split state. Version 1: `{ splitId, kind: "range", lower, upper, upperInclusive, after? }` or
 * `{ splitId: "incremental", kind: "incremental", after?: { value, key? } }`; keys are Postgres text.
 */
export class PostgresTableSplitSerializer implements VersionedSerializer<PostgresTableSplit> {
  readonly version = 1;

  serialize(split: PostgresTableSplit): unknown {
    if (split.kind === 'incremental') {
      const after = split.after === undefined ? undefined : { ...split.after };
      return after === undefined ? { splitId: split.splitId, kind: split.kind } : { splitId: split.splitId, kind: split.kind, after };
    }
    const data: Record<string, unknown> = {
      splitId: split.splitId,
      kind: split.kind,
      lower: split.lower,
      upper: split.upper,
      upperInclusive: split.upperInclusive,
    };
    if (split.after !== undefined) data.after = split.after;
    return data;
  }

  deserialize(version: number, data: unknown): PostgresTableSplit {
    if (version !== 1) throw unknownStateVersion(WHAT, version, [1]);
    return deserializeSplitV1(data);
  }
}

/** One version-1 split (also used inside the enumerator state). */
export function deserializeSplitV1(data: unknown): PostgresTableSplit {
  const object = asObject(WHAT, data);
  const splitId = stringField(WHAT, object, 'splitId');
  if (object.kind === 'incremental') {
    if (splitId !== INCREMENTAL_SPLIT_ID) throw invalidState(WHAT, `incremental split has id ${splitId}`);
    if (object.after === undefined) return { splitId, kind: 'incremental' };
    const after = asObject(WHAT, object.after);
    const value = stringField(WHAT, after, 'value');
    return { splitId, kind: 'incremental', after: after.key === undefined ? { value } : { value, key: stringField(WHAT, after, 'key') } };
  }
  if (object.kind !== 'range') throw invalidState(WHAT, 'kind is neither "range" nor "incremental"');
  if (typeof object.upperInclusive !== 'boolean') throw invalidState(WHAT, 'upperInclusive is not a boolean');
  const split = {
    splitId,
    kind: 'range' as const,
    lower: stringField(WHAT, object, 'lower'),
    upper: stringField(WHAT, object, 'upper'),
    upperInclusive: object.upperInclusive,
  };
  return object.after === undefined ? split : { ...split, after: stringField(WHAT, object, 'after') };
}
