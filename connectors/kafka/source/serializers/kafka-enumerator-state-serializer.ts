import {
  asObject,
  invalidState,
  naturalField,
  stringField,
  unknownStateVersion,
  type VersionedSerializer,
} from '../../../../core/sdk';
import type { KafkaEnumeratorState } from '../kafka-enumerator-state';

const WHAT = 'kafka enumerator state';

/** Kafka enumerator state. Version 1: `{ initialDiscoveryDone, assigned: [{ topic, partition }…] }`. */
export class KafkaEnumeratorStateSerializer implements VersionedSerializer<KafkaEnumeratorState> {
  readonly version = 1;

  serialize(state: KafkaEnumeratorState): unknown {
    return {
      initialDiscoveryDone: state.initialDiscoveryDone,
      assigned: state.assigned.map(({ topic, partition }) => ({ topic, partition })),
    };
  }

  deserialize(version: number, data: unknown): KafkaEnumeratorState {
    if (version !== 1) throw unknownStateVersion(WHAT, version, [1]);
    const { initialDiscoveryDone, assigned } = asObject(WHAT, data);
    if (typeof initialDiscoveryDone !== 'boolean') throw invalidState(WHAT, 'initialDiscoveryDone is not a boolean');
    if (!Array.isArray(assigned)) throw invalidState(WHAT, 'assigned is not a list');
    return {
      initialDiscoveryDone,
      assigned: assigned.map((entry: unknown) => {
        const object = asObject(WHAT, entry);
        return { topic: stringField(WHAT, object, 'topic'), partition: naturalField(WHAT, object, 'partition') };
      }),
    };
  }
}
