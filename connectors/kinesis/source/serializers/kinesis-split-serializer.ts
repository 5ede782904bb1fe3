import { asObject, invalidState, naturalField, stringField, unknownStateVersion, type VersionedSerializer } from '../../../../core/sdk';
import type { KinesisSplit, KinesisStartPosition } from '../kinesis-split';

const WHAT = 'kinesis split';

/**
 * Kinesis split state. Version 1: `{ splitId, shardId, start, stopAtTimestamp?, finished? }` where `start` is
 * `{ after: "<sequence number>" }`, `{ timestamp: ms }`, `"trim-horizon"` or `"latest"`.
 */
export class KinesisSplitSerializer implements VersionedSerializer<KinesisSplit> {
  readonly version = 1;

  serialize(split: KinesisSplit): unknown {
    const data: Record<string, unknown> = { splitId: split.splitId, shardId: split.shardId, start: serializeStart(split.start) };
    if (split.stopAtTimestamp !== undefined) data.stopAtTimestamp = split.stopAtTimestamp;
    if (split.finished === true) data.finished = true;
    return data;
  }

  deserialize(version: number, data: unknown): KinesisSplit {
    if (version !== 1) throw unknownStateVersion(WHAT, version, [1]);
    const object = asObject(WHAT, data);
    const shardId = stringField(WHAT, object, 'shardId');
    const splitId = stringField(WHAT, object, 'splitId');
    if (splitId !== shardId) throw invalidState(WHAT, `split id ${splitId} does not name shard ${shardId}`);
    const split: KinesisSplit = { splitId, shardId, start: deserializeStart(object.start) };
    const stop = object.stopAtTimestamp === undefined ? {} : { stopAtTimestamp: naturalField(WHAT, object, 'stopAtTimestamp') };
    if (object.finished !== undefined && object.finished !== true) throw invalidState(WHAT, 'finished is not true');
    return { ...split, ...stop, ...(object.finished === true ? { finished: true } : {}) };
  }
}

function serializeStart(start: KinesisStartPosition): unknown {
  switch (start.kind) {
    case 'after':
      return { after: start.sequenceNumber };
    case 'at-timestamp':
      return { timestamp: start.timestamp };
    default:
      return start.kind;
  }
}

function deserializeStart(data: unknown): KinesisStartPosition {
  if (data === 'trim-horizon' || data === 'latest') return { kind: data };
  const object = asObject(`${WHAT} start`, data);
  if ('after' in object) {
    const sequenceNumber = stringField(WHAT, object, 'after');
    if (!/^[0-9]+$/.test(sequenceNumber)) throw invalidState(WHAT, 'after is not a sequence number');
    return { kind: 'after', sequenceNumber };
  }
  if ('timestamp' in object) return { kind: 'at-timestamp', timestamp: naturalField(WHAT, object, 'timestamp') };
  throw invalidState(WHAT, 'start is neither { after }, { timestamp }, "trim-horizon" nor "latest"');
}
