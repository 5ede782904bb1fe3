import { asObject, invalidState, naturalField, stringField, unknownStateVersion, type VersionedSerializer } from '../../../../core/sdk';
import type { AssignedShard, KinesisEnumeratorState } from '../kinesis-enumerator-state';

const WHAT = 'kinesis enumerator state';

/** Version 1: `{ initialDiscoveryDone, bounded?: { at, shards }, assigned: [{ shardId, subtask }], finished: [shardId] }`. */
export class KinesisEnumeratorStateSerializer implements VersionedSerializer<KinesisEnumeratorState> {
  readonly version = 1;

  serialize(state: KinesisEnumeratorState): unknown {
    return {
      initialDiscoveryDone: state.initialDiscoveryDone,
      ...(state.bounded === undefined ? {} : { bounded: { at: state.bounded.at, shards: [...state.bounded.shards] } }),
      assigned: state.assigned.map((entry) => ({ shardId: entry.shardId, subtask: entry.subtask })),
      finished: [...state.finished],
    };
  }

  deserialize(version: number, data: unknown): KinesisEnumeratorState {
    if (version !== 1) throw unknownStateVersion(WHAT, version, [1]);
    const object = asObject(WHAT, data);
    if (typeof object.initialDiscoveryDone !== 'boolean') throw invalidState(WHAT, 'initialDiscoveryDone is not a boolean');
    if (!Array.isArray(object.assigned) || !Array.isArray(object.finished)) throw invalidState(WHAT, 'assigned or finished is not a list');
    const assigned: AssignedShard[] = object.assigned.map((entry: unknown) => {
      const shard = asObject(WHAT, entry);
      return { shardId: stringField(WHAT, shard, 'shardId'), subtask: naturalField(WHAT, shard, 'subtask') };
    });
    const finished = shardIds(object.finished);
    const bounded = object.bounded === undefined ? {} : { bounded: boundedOf(object.bounded) };
    return { initialDiscoveryDone: object.initialDiscoveryDone, ...bounded, assigned, finished };
  }
}

function shardIds(list: unknown[]): string[] {
  return list.map((shardId: unknown) => {
    if (typeof shardId !== 'string') throw invalidState(WHAT, 'a shard id is not a string');
    return shardId;
  });
}

function boundedOf(data: unknown): { at: number; shards: string[] } {
  const object = asObject(WHAT, data);
  if (!Array.isArray(object.shards)) throw invalidState(WHAT, 'bounded.shards is not a list');
  return { at: naturalField(WHAT, object, 'at'), shards: shardIds(object.shards) };
}
