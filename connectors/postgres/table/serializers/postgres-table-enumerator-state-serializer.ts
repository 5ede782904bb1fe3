import { asObject, invalidState, unknownStateVersion, type VersionedSerializer } from '../../../../core/sdk';
import type { PostgresTableEnumeratorState } from '../postgres-table-enumerator-state';
import { deserializeSplitV1, PostgresTableSplitSerializer } from './postgres-table-split-serializer';

const WHAT = 'postgres table enumerator state';
const splits = new PostgresTableSplitSerializer();

/** Postgres table source enumerator state. Version 1: `{ planned, unassigned: [<split, version 1>…] }`. */
export class PostgresTableEnumeratorStateSerializer implements VersionedSerializer<PostgresTableEnumeratorState> {
  readonly version = 1;

  serialize(state: PostgresTableEnumeratorState): unknown {
    return { planned: state.planned, unassigned: state.unassigned.map((split) => splits.serialize(split)) };
  }

  deserialize(version: number, data: unknown): PostgresTableEnumeratorState {
    if (version !== 1) throw unknownStateVersion(WHAT, version, [1]);
    const { planned, unassigned } = asObject(WHAT, data);
    if (typeof planned !== 'boolean') throw invalidState(WHAT, 'planned is not a boolean');
    if (!Array.isArray(unassigned)) throw invalidState(WHAT, 'unassigned is not a list');
    return { planned, unassigned: unassigned.map((split: unknown) => deserializeSplitV1(split)) };
  }
}
