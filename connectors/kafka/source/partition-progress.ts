import { type LockstepRecord, RecordError } from '../../../core/sdk';
import type { FetchedMessage, FetchedPartition } from '../internals';
import { kafkaSplit, type KafkaSplit } from './kafka-split';

/** Bytes a buffered message counts for beyond its key and value (offsets, headers, object overhead). */
const MESSAGE_OVERHEAD_BYTES = 64;

interface FetchedChunk {
  readonly messages: readonly FetchedMessage[];
  /** Index of the next message to hand out. */
  index: number;
  /** Where the partition stands once every message of the chunk was handed out (skipped records included). */
  readonly nextOffset: number;
  readonly bytes: number;
}

/**
 * One assigned partition inside a reader: what was fetched and not yet handed out, and two positions — `fetchOffset`,
 * where the background fetch goes on, and `position`, the offset after the last record *returned* by `pollNext`,
 * which is what a checkpoint stores. Both are undefined until a symbolic start (earliest, latest, timestamp) is
 * resolved. A bounded partition has ended once `position` reached `stopOffset`; records past it are dropped.
 */
export class PartitionProgress {
  position: number | undefined;
  fetchOffset: number | undefined;
  /** The partition's end offset as the last fetch saw it (high watermark, or last stable offset under read_committed). */
  endOffset: number | undefined;
  private readonly chunks: FetchedChunk[] = [];
  private buffered = 0;

  constructor(readonly split: KafkaSplit) {
    if (split.start.kind === 'offset') this.resolve(split.start.offset);
  }

  get topic(): string {
    return this.split.topic;
  }

  get partition(): number {
    return this.split.partition;
  }

  /** Bytes of fetched records not handed out yet. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  get hasBuffered(): boolean {
    return this.chunks.length > 0;
  }

  /** True once a bounded partition's position reached its stop offset. */
  get ended(): boolean {
    return this.split.stopOffset !== undefined && this.position !== undefined && this.position >= this.split.stopOffset;
  }

  /** True while the fetch loop should fetch this partition. */
  get wantsFetch(): boolean {
    if (this.fetchOffset === undefined || this.ended) return false;
    return this.split.stopOffset === undefined || this.fetchOffset < this.split.stopOffset;
  }

  /** Sets the start once a symbolic one was looked up. */
  resolve(offset: number): void {
    this.position = offset;
    this.fetchOffset = offset;
  }

  /**
   * Buffers what a fetch from `fetched.fetchOffset` returned; ignored when the partition moved on meanwhile. Returns
   * the bytes added.
   */
  append(fetched: FetchedPartition): number {
    if (fetched.fetchOffset !== this.fetchOffset || fetched.nextOffset <= fetched.fetchOffset) return 0;
    this.fetchOffset = fetched.nextOffset;
    const bytes = fetched.messages.reduce(
      (sum, message) => sum + (message.key?.length ?? 0) + (message.value?.length ?? 0) + MESSAGE_OVERHEAD_BYTES,
      0,
    );
    this.chunks.push({ messages: fetched.messages, index: 0, nextOffset: fetched.nextOffset, bytes });
    this.buffered += bytes;
    return bytes;
  }

  /**
   * Moves buffered records into `into` (up to `max` in it), decoding each with `decode`, and advances `position`
   * past each record returned and past skipped records (control records, aborted transactions) at the end of a fetch.
   * A record `decode` refuses with a `RecordError`: when `into` already holds records, reading stops before it (they
   * are returned first); otherwise the position moves past it and the error is thrown, so the error policy sees it
   * once and a checkpoint never holds a position past a bad record that was not reported. Returns the bytes freed.
   */
  take(max: number, decode: (message: FetchedMessage) => LockstepRecord, into: LockstepRecord[]): number {
    let freed = 0;
    while (into.length < max) {
      const chunk = this.chunks[0];
      if (chunk === undefined) break;
      const message = chunk.messages[chunk.index];
      if (message === undefined) {
        this.advanceTo(chunk.nextOffset);
        freed += this.dropChunk();
        continue;
      }
      const offset = Number(message.offset);
      const stop = this.split.stopOffset;
      if (stop !== undefined && offset >= stop) {
        this.advanceTo(stop);
        while (this.chunks.length > 0) freed += this.dropChunk();
        break;
      }
      let record: LockstepRecord;
      try {
        record = decode(message);
      } catch (error) {
        if (!RecordError.isRecordError(error)) throw error;
        // Hand out what was decoded before it first; the bad record comes again at the next call, alone.
        if (into.length > 0) break;
        chunk.index += 1;
        this.position = offset + 1;
        throw error;
      }
      into.push(record);
      chunk.index += 1;
      this.position = offset + 1;
    }
    return freed;
  }

  /** The split as a checkpoint stores it: a value, independent of this object. */
  snapshot(): KafkaSplit {
    const { topic, partition, stopOffset, start } = this.split;
    return kafkaSplit(topic, partition, this.position === undefined ? start : { kind: 'offset', offset: this.position }, stopOffset);
  }

  /** Drops everything buffered (the partition is being removed); returns the bytes freed. */
  clear(): number {
    let freed = 0;
    while (this.chunks.length > 0) freed += this.dropChunk();
    return freed;
  }

  private advanceTo(offset: number): void {
    const stop = this.split.stopOffset;
    const target = stop === undefined ? offset : Math.min(stop, offset);
    this.position = Math.max(this.position ?? target, target);
  }

  private dropChunk(): number {
    const chunk = this.chunks.shift();
    const bytes = chunk?.bytes ?? 0;
    this.buffered -= bytes;
    return bytes;
  }
}
