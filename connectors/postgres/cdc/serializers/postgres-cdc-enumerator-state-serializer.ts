import { asObject, invalidState, unknownStateVersion, type VersionedSerializer } from '../../../../core/sdk';
import type { PostgresCdcEnumeratorState } from '../postgres-cdc-split-enumerator';

const WHAT = 'postgres-cdc enumerator state';

/** postgres-cdc enumerator state. Version 1: `{ assigned: boolean }`. */
export class PostgresCdcEnumeratorStateSerializer implements VersionedSerializer<PostgresCdcEnumeratorState> {
  readonly version = 1;

  serialize(state: PostgresCdcEnumeratorState): unknown {
    return { assigned: state.assigned };
  }

  deserialize(version: number, data: unknown): PostgresCdcEnumeratorState {
    if (version !== 1) throw unknownStateVersion(WHAT, version, [1]);
    const { assigned } = asObject(WHAT, data);
    if (typeof assigned !== 'boolean') throw invalidState(WHAT, 'assigned is not a boolean');
    return { assigned };
  }
}
