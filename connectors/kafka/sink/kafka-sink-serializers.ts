import {
  asObject,
  invalidState,
  naturalField,
  stringField,
  unknownStateVersion,
  type VersionedSerializer,
} from '../../../core/sdk';
import type { TransactionHandle } from '../internals';

/** What an exactly-once writer checkpoints: where its transaction numbering goes on. */
export interface KafkaWriterState {
  /** The subtask whose transactional ids these are. */
  readonly subtask: number;
  /** Number of the first transaction not covered by the checkpoint: leftovers from here on are aborted at restore. */
  readonly nextTransaction: number;
}

const COMMITTABLE = 'kafka sink committable';

/** Kafka committable. Version 1: `{ transactionalId, producerId (decimal string), producerEpoch }`. */
export class KafkaCommittableSerializer implements VersionedSerializer<TransactionHandle> {
  readonly version = 1;

  serialize(handle: TransactionHandle): unknown {
    return { transactionalId: handle.transactionalId, producerId: handle.producerId, producerEpoch: handle.producerEpoch };
  }

  deserialize(version: number, data: unknown): TransactionHandle {
    if (version !== 1) throw unknownStateVersion(COMMITTABLE, version, [1]);
    const object = asObject(COMMITTABLE, data);
    const producerId = stringField(COMMITTABLE, object, 'producerId');
    if (!/^\d+$/.test(producerId)) throw invalidState(COMMITTABLE, `producerId must be a decimal string, got ${producerId}`);
    return {
      transactionalId: stringField(COMMITTABLE, object, 'transactionalId'),
      producerId,
      producerEpoch: naturalField(COMMITTABLE, object, 'producerEpoch'),
    };
  }
}

const WRITER_STATE = 'kafka sink writer state';

/** Kafka writer state. Version 1: `{ subtask, nextTransaction }`. */
export class KafkaWriterStateSerializer implements VersionedSerializer<KafkaWriterState> {
  readonly version = 1;

  serialize(state: KafkaWriterState): unknown {
    return { subtask: state.subtask, nextTransaction: state.nextTransaction };
  }

  deserialize(version: number, data: unknown): KafkaWriterState {
    if (version !== 1) throw unknownStateVersion(WRITER_STATE, version, [1]);
    const object = asObject(WRITER_STATE, data);
    return { subtask: naturalField(WRITER_STATE, object, 'subtask'), nextTransaction: naturalField(WRITER_STATE, object, 'nextTransaction') };
  }
}
