import type { LockstepRecord } from '../api/record';
import type { Channel } from './channel';
import type { StreamElement } from './stream-element';

/**
 * Sends a reader's records to the writers of one sink. `forward` (one channel: same parallelism on both sides)
 * keeps order per split; otherwise records are spread by a hash of their key (order per key kept), or round-robin
 * per batch when they have no key.
 */
export class RecordRouter {
  private next = 0;

  constructor(readonly channels: readonly Channel<StreamElement>[]) {}

  async route(records: readonly LockstepRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (this.channels.length === 1) {
      await (this.channels[0] as Channel<StreamElement>).send({ kind: 'records', records });
      return;
    }
    if (records[0]?.key === undefined) {
      const channel = this.channels[this.next % this.channels.length] as Channel<StreamElement>;
      this.next += 1;
      await channel.send({ kind: 'records', records });
      return;
    }
    const groups = new Map<number, LockstepRecord[]>();
    for (const record of records) {
      const index = hashKey(record.key) % this.channels.length;
      const group = groups.get(index);
      if (group) group.push(record);
      else groups.set(index, [record]);
    }
    for (const [index, group] of groups) {
      await (this.channels[index] as Channel<StreamElement>).send({ kind: 'records', records: group });
    }
  }

  async broadcast(element: StreamElement): Promise<void> {
    for (const channel of this.channels) await channel.send(element);
  }
}

/** FNV-1a over the key's string form: stable across processes, so a replay routes records the same way. */
export function hashKey(key: unknown): number {
  const text = typeof key === 'string' ? key : key instanceof Uint8Array ? Buffer.from(key).toString('latin1') : JSON.stringify(key);
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
