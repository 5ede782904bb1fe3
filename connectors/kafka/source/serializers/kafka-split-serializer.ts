import {
  asObject,
  invalidState,
  naturalField,
  stringField,
  unknownStateVersion,
  type VersionedSerializer,
} from '../../../../core/sdk';
import { kafkaSplitId, type KafkaSplit, type KafkaStartPosition } from '../kafka-split';

const WHAT = 'kafka split';

/**
 * Kafka split state. Version 1: `{ splitId, topic, partition, start, stopOffset? }` where `start` is
 * `{ offset: n }`, `{ timestamp: ms }`, `"earliest"` or `"latest"`.
 */
export class KafkaSplitSerializer implements VersionedSerializer<KafkaSplit> {
  readonly version = 1;

  serialize(split: KafkaSplit): unknown {
    const data: Record<string, unknown> = {
      splitId: split.splitId,
      topic: split.topic,
      partition: split.partition,
      start: serializeStart(split.start),
    };
    if (split.stopOffset !== undefined) data.stopOffset = split.stopOffset;
    return data;
  }

  deserialize(version: number, data: unknown): KafkaSplit {
    if (version !== 1) throw unknownStateVersion(WHAT, version, [1]);
    const object = asObject(WHAT, data);
    const topic = stringField(WHAT, object, 'topic');
    const partition = naturalField(WHAT, object, 'partition');
    const splitId = stringField(WHAT, object, 'splitId');
    if (splitId !== kafkaSplitId(topic, partition)) throw invalidState(WHAT, `split id ${splitId} does not name ${topic}/${partition}`);
    const split: KafkaSplit = { splitId, topic, partition, start: deserializeStart(object.start) };
    return object.stopOffset === undefined ? split : { ...split, stopOffset: naturalField(WHAT, object, 'stopOffset') };
  }
}

function serializeStart(start: KafkaStartPosition): unknown {
  switch (start.kind) {
    case 'offset':
      return { offset: start.offset };
    case 'timestamp':
      return { timestamp: start.timestamp };
    default:
      return start.kind;
  }
}

function deserializeStart(data: unknown): KafkaStartPosition {
  if (data === 'earliest' || data === 'latest') return { kind: data };
  const object = asObject(`${WHAT} start`, data);
  if ('offset' in object) return { kind: 'offset', offset: naturalField(WHAT, object, 'offset') };
  if ('timestamp' in object) return { kind: 'timestamp', timestamp: naturalField(WHAT, object, 'timestamp') };
  throw invalidState(WHAT, 'start is neither an offset, a timestamp, "earliest" nor "latest"');
}
