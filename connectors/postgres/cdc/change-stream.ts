import type { Client } from 'pg';
import type { Logger } from 'pino';
import { AvailabilitySignal, type LockstepRecord } from '../../../core/sdk';
import { postgresError } from '../errors';
import { tableShapeOf } from './cdc-catalog';
import { ChangeAssembler, type ChangeItem } from './change-assembler';
import { maxLsn } from './lsn';
import { decodePgoutput } from './pgoutput-decoder';
import type { SnapshotProgress, StreamPosition } from './postgres-cdc-split';
import type { ReplicationConnection } from './replication-connection';
import type { ServerReplicationMessage } from './replication-messages';
import type { SnapshotChunker } from './snapshot-chunker';
import type { TypeCatalog } from './value-model';

export interface ChangeStreamSettings {
  readonly slot: string;
  readonly publication: string;
  readonly statusIntervalMs: number;
  readonly maxBufferedRecords: number;
}

/**
 * The streaming half of the reader: reads the slot from a position in the background, decodes pgoutput, queues the
 * change records (pausing the socket when `maxBufferedRecords` wait), and reports to the server. The status updates
 * say `write` = everything received, `flush` = the LSN of the last completed checkpoint ({@link confirm}) — never
 * more, so the slot keeps every change a restore from that checkpoint needs.
 *
 * Call order: `start()` → `take`, `confirm`, `waitForItems` between polls → `close()`.
 */
export class ChangeStream {
  private readonly assembler: ChangeAssembler;
  private readonly inbox: ServerReplicationMessage[] = [];
  private readonly queue: ChangeItem[] = [];
  private queuedRecords = 0;
  private processing = false;
  private paused = false;
  private received: bigint;
  private flushed: bigint;
  private statusTimer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;
  private readonly available = new AvailabilitySignal();

  constructor(
    private readonly replication: ReplicationConnection,
    private readonly catalog: Client,
    private readonly types: TypeCatalog,
    start: StreamPosition,
    confirmed: bigint,
    private readonly settings: ChangeStreamSettings,
    private readonly log: Logger,
    /** The chunked snapshot under way beside the stream, if any. */
    private readonly chunker?: SnapshotChunker,
  ) {
    this.assembler = new ChangeAssembler(start);
    this.received = start.lsn;
    this.flushed = confirmed;
  }

  /** Issues START_REPLICATION from `from` (the position's LSN) and starts the periodic status updates. */
  start(from: bigint): void {
    this.replication.startStreaming(
      this.settings.slot,
      [this.settings.publication],
      from,
      {
        message: (message) => this.receive(message),
        failed: (error) => this.fail(postgresError(error, `postgres-cdc: replication stream of slot ${this.settings.slot} failed`)),
      },
      this.chunker !== undefined,
    );
    this.nextChunk();
    this.statusTimer = setInterval(() => this.sendStatus(), this.settings.statusIntervalMs);
    this.statusTimer.unref();
  }

  /** The error the stream failed with, if it did: the reader throws it from its next poll. */
  get failed(): Error | undefined {
    return this.failure;
  }

  /**
   * Up to `max` records from the queue and the position after the last item taken. Position-only items (commits,
   * keepalives) right after the records are taken too, so a checkpoint after a whole transaction names its commit.
   */
  take(max: number): { readonly records: LockstepRecord[]; readonly position: StreamPosition | undefined; readonly snapshot: SnapshotProgress | undefined } {
    const records: LockstepRecord[] = [];
    let position: StreamPosition | undefined;
    let snapshot: SnapshotProgress | undefined;
    while (this.queue.length > 0) {
      const item = this.queue[0] as ChangeItem;
      if (item.record !== undefined) {
        // A group of joined items (an update after its old key's delete, a snapshot chunk) is taken whole, never split
        // over two polls (a checkpoint between them would be wrong): it starts a poll of its own, and may pass `max`.
        if (item.joined !== true && records.length > 0 && (records.length >= max || this.queue[1]?.joined === true)) break;
        records.push(item.record);
        this.queuedRecords -= 1;
      }
      position = item.position;
      if (item.snapshot !== undefined) snapshot = item.snapshot;
      this.queue.shift();
    }
    this.nextChunk();
    if (this.paused && this.queuedRecords + this.inbox.length <= this.settings.maxBufferedRecords / 2) {
      this.paused = false;
      this.replication.resume();
    }
    return { records, position, snapshot };
  }

  /**
   * Starts the snapshot's next chunk when none is under way and the read-ahead has room for one (its rows wait in
   * memory for the high watermark, then in the queue).
   */
  private nextChunk(): void {
    const chunker = this.chunker;
    if (chunker === undefined || !chunker.idle || this.failure !== undefined) return;
    if (this.queuedRecords > this.settings.maxBufferedRecords / 2) return;
    chunker.startChunk().catch((error: unknown) => this.fail(postgresError(error, `postgres-cdc: reading a snapshot chunk for slot ${this.settings.slot} failed`)));
  }

  /** Resolves when items or a failure arrive (at once when there are some). */
  waitForItems(): Promise<void> {
    if (this.queue.length > 0 || this.failure !== undefined) return Promise.resolve();
    return this.available.wait();
  }

  /** A checkpoint covering everything before `lsn` completed: the slot may be confirmed up to there. */
  confirm(lsn: bigint): void {
    if (lsn <= this.flushed) return;
    this.flushed = lsn;
    this.sendStatus();
  }

  async close(): Promise<void> {
    clearInterval(this.statusTimer);
    this.failure ??= new Error('the change stream is closed');
    this.signal();
  }

  private receive(message: ServerReplicationMessage): void {
    this.inbox.push(message);
    if (!this.paused && this.queuedRecords + this.inbox.length > this.settings.maxBufferedRecords) {
      this.paused = true;
      this.replication.pause();
    }
    if (!this.processing) void this.processInbox();
  }

  /** Handles received messages one at a time: a Relation message may need a catalog lookup first. */
  private async processInbox(): Promise<void> {
    this.processing = true;
    try {
      while (this.inbox.length > 0 && this.failure === undefined) {
        const message = this.inbox.shift() as ServerReplicationMessage;
        if (message.kind === 'keepalive') {
          this.enqueue(this.assembler.keepalive(message.walEnd));
          const advanced = message.walEnd > this.received;
          this.received = maxLsn(this.received, message.walEnd);
          if (message.replyRequested || advanced) this.sendStatus();
          continue;
        }
        this.received = maxLsn(this.received, message.dataStart);
        const decoded = decodePgoutput(message.data);
        // Relation messages come once per relation and session, and again after its schema changed
        if (decoded.tag === 'relation') {
          const shape = await tableShapeOf(this.catalog, decoded.relationOid, `${decoded.schema}.${decoded.table}`);
          const baseTypes = await this.types.baseTypes(decoded.columns.map((column) => column.typeOid));
          this.assembler.relation(decoded, shape.keyColumns, baseTypes);
        } else if (decoded.tag === 'message') {
          if (this.chunker !== undefined) {
            this.enqueue(this.chunker.watermark(decoded, this.assembler.current));
            this.nextChunk();
          }
        } else {
          const items = this.assembler.accept(decoded, message.dataStart);
          this.enqueue(this.chunker === undefined ? items : this.chunker.filter(items));
        }
      }
    } catch (error) {
      this.fail(postgresError(error, `postgres-cdc: decoding the changes of slot ${this.settings.slot} failed`));
    } finally {
      this.processing = false;
    }
  }

  private enqueue(items: readonly ChangeItem[]): void {
    if (items.length === 0) return;
    for (const item of items) {
      const last = this.queue[this.queue.length - 1];
      // consecutive position-only items: only the newest matters
      if (item.record === undefined && last !== undefined && last.record === undefined) {
        const snapshot = item.snapshot ?? last.snapshot;
        this.queue[this.queue.length - 1] = snapshot === undefined ? item : { ...item, snapshot };
      }
      else this.queue.push(item);
      if (item.record !== undefined) this.queuedRecords += 1;
    }
    this.signal();
  }

  private sendStatus(): void {
    try {
      this.replication.sendStatus(this.received, this.flushed);
    } catch (error) {
      this.log.warn({ err: error }, 'postgres-cdc: sending a standby status update failed');
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.signal();
  }

  private signal(): void {
    this.available.notify();
  }
}
