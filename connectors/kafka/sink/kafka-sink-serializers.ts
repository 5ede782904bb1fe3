import {
  asObject,
  invalidState,
  naturalField,
  stringField,
  unknownStateVersion,
  type VersionedSerializer,
} from '../../../core/sdk';
import type { TransactionHandle } from '../internals';

/**
 * What an exactly-once writer checkpoints: its pool of transactional ids (`<prefix>-<subtask>-<n>`, n from `base` to
 * `base + size − 1`, see transaction-pool.ts) and the pre-committed transactions whose ids are not free yet.
 */
export interface KafkaWriterState {
  /** The subtask whose transactional ids these are. */
  readonly subtask: number;
  /** The pool's first id number (a version 1 state's `nextTransaction`: ids below it are never reused). */
  readonly base: number;
  /** How many ids the pool holds. At restore every one of them, and any used id after them, is aborted unless busy. */
  readonly size: number;
  /** Pre-committed transactions of the pool not released yet: their ids are left alone at restore. */
  readonly busy: readonly TransactionHandle[];
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

/**
 * Kafka writer state. Version 2: `{ subtask, base, size, busy: [committable…] }` (a pool of reused ids). Version 1
 * (one id per transaction): `{ subtask, nextTransaction }`, read as a pool starting at `nextTransaction` — the ids
 * before it are never reused, those from it on are leftovers aborted at restore, as before.
 */
export class KafkaWriterStateSerializer implements VersionedSerializer<KafkaWriterState> {
  readonly version = 2;
  private readonly committables = new KafkaCommittableSerializer();

  serialize(state: KafkaWriterState): unknown {
    return { subtask: state.subtask, base: state.base, size: state.size, busy: state.busy.map((handle) => this.committables.serialize(handle)) };
  }

  deserialize(version: number, data: unknown): KafkaWriterState {
    const object = asObject(WRITER_STATE, data);
    const subtask = naturalField(WRITER_STATE, object, 'subtask');
    if (version === 1) return { subtask, base: naturalField(WRITER_STATE, object, 'nextTransaction'), size: 0, busy: [] };
    if (version !== 2) throw unknownStateVersion(WRITER_STATE, version, [1, 2]);
    const busy = object.busy;
    if (!Array.isArray(busy)) throw invalidState(WRITER_STATE, 'busy must be a list of committables');
    return {
      subtask,
      base: naturalField(WRITER_STATE, object, 'base'),
      size: naturalField(WRITER_STATE, object, 'size'),
      busy: busy.map((entry: unknown) => this.committables.deserialize(1, entry)),
    };
  }
}
