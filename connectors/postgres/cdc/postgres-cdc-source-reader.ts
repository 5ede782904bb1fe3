import type { Client } from 'pg';
import type { Logger } from 'pino';
import { LockstepError, type LockstepRecord, SourceReaderBase } from '../../../core/sdk';
import { connectPostgres, type PostgresConnectionOptions } from '../connection';
import { postgresError } from '../errors';
import { dropSlot, ensurePublication, publishedTables, serverVersion, slotInfo, takeOverSlot, type PublishedTable } from './cdc-catalog';
import { ChangeStream } from './change-stream';
import { Heartbeat } from './heartbeat';
import { InitialSnapshot } from './initial-snapshot';
import { formatLsn } from './lsn';
import type { CdcProgress, PostgresCdcSplit, SnapshotProgress, StreamPosition } from './postgres-cdc-split';
import { ReplicationConnection } from './replication-connection';
import { createSlotWatched } from './slot-creation';
import { SnapshotChunker } from './snapshot-chunker';
import { TypeCatalog } from './value-model';

/** What a reader needs besides its context; built by `PostgresCdcSource` from the config. */
export interface PostgresCdcReaderSettings {
  readonly connection: PostgresConnectionOptions;
  readonly publication: string;
  readonly slot: string;
  readonly tables: readonly string[] | undefined;
  readonly allTables: boolean;
  readonly snapshot: 'initial' | 'never';
  readonly heartbeatIntervalMs: number;
  /** How long creating the slot may wait for open transactions (see `createSlotWatched`). */
  readonly slotCreateTimeoutMs: number;
  readonly statusIntervalMs: number;
  readonly maxBufferedRecords: number;
  /** Rows per chunk of the chunked initial snapshot. */
  readonly snapshotChunkSize: number;
  /** `application_name` prefix of its connections. */
  readonly applicationName: string;
}

/** The one split while it is read; its progress moves with every batch returned. */
interface CdcSplitState {
  readonly splitId: string;
  progress: CdcProgress;
}

/** The connections of an opened split. */
interface Session {
  readonly catalog: Client;
  /** Base types of column types, for the snapshot and the stream alike (one value model). */
  readonly types: TypeCatalog;
  readonly replication: ReplicationConnection;
  heartbeat?: Heartbeat;
  snapshot?: { readonly reader: InitialSnapshot; readonly client: Client; readonly consistentPoint: bigint };
  stream?: ChangeStream;
}

/**
 * Reads the source's one split (subtask 0; other subtasks stay idle). On the first poll it sets up the publication,
 * takes over or creates the slot and, per the split's progress, takes the initial snapshot and/or streams the slot.
 * Its state is the split's progress; `notifyCheckpointComplete(n)` confirms the slot up to checkpoint n's LSN, and
 * nothing else ever does.
 *
 * Call order: the engine's (`SourceReader`).
 */
export class PostgresCdcSourceReader extends SourceReaderBase<PostgresCdcSplit, CdcSplitState> {
  private session: Session | undefined;
  private opening: Promise<void> | undefined;
  private opened = false;
  /** Resolved when the slot's creation is found waiting for open transactions. */
  private slotWaiting: () => void = noop;
  private readonly slotWait = new Promise<void>((resolve) => (this.slotWaiting = resolve));
  private openFailure: unknown;
  private readonly checkpointLsns = new Map<number, bigint>();
  /** Aborted by close: a slot creation still waiting is cancelled on the server instead of holding the close. */
  private readonly closing = new AbortController();

  constructor(
    private readonly settings: PostgresCdcReaderSettings,
    log: Logger,
  ) {
    super(log);
  }

  protected initSplitState(split: PostgresCdcSplit): CdcSplitState {
    if (this.splits.size > 0) throw new LockstepError(`postgres-cdc reader got a second split ${split.splitId}`, { code: 'LS_SOURCE_CONTRACT' });
    return { splitId: split.splitId, progress: split.progress };
  }

  protected toSplit({ splitId, progress }: CdcSplitState): PostgresCdcSplit {
    return { splitId, progress };
  }

  protected async readRecords(maxRecords: number): Promise<readonly LockstepRecord[]> {
    // Opening is awaited, except while the slot's creation waits for open transactions: then the polls return
    // nothing until it is done, so the task keeps serving checkpoints and a stop meanwhile.
    if (this.opening === undefined) {
      this.opening = this.open();
      this.opening.then(
        () => (this.opened = true),
        (error: unknown) => (this.openFailure = error),
      );
    }
    await Promise.race([this.opening.catch(noop), this.slotWait]);
    if (this.openFailure !== undefined) throw this.openFailure;
    if (!this.opened) return [];
    const session = this.session as Session;
    if (session.snapshot !== undefined) {
      try {
        return await this.pollSnapshot(session, maxRecords);
      } catch (error) {
        throw postgresError(error, `postgres-cdc: reading the initial snapshot of slot ${this.settings.slot} failed`, { slot: this.settings.slot });
      }
    }
    const stream = session.stream as ChangeStream;
    if (stream.failed !== undefined) throw stream.failed;
    const { records, position, snapshot } = stream.take(maxRecords);
    if (position !== undefined || snapshot !== undefined) {
      const previous = this.progress;
      const current = snapshot ?? (previous.phase === 'stream' ? previous.snapshot : undefined);
      const at = position ?? (previous.phase === 'stream' ? previous.position : { lsn: 0n });
      this.progress = current === undefined || current.tables.length === 0 ? { phase: 'stream', position: at } : { phase: 'stream', position: at, snapshot: current };
    }
    return records;
  }

  protected whenAvailable(): number | Promise<void> {
    if (this.opening !== undefined && !this.opened && this.openFailure === undefined) return this.opening.then(noop, noop);
    const stream = this.session?.stream;
    return stream === undefined ? 0 : stream.waitForItems();
  }

  override snapshotState(checkpointId: number): PostgresCdcSplit[] {
    const splits = super.snapshotState(checkpointId);
    const progress = this.currentSplit?.progress;
    if (progress?.phase === 'stream') this.checkpointLsns.set(checkpointId, progress.position.lsn);
    return splits;
  }

  async notifyCheckpointComplete(checkpointId: number): Promise<void> {
    const lsn = this.checkpointLsns.get(checkpointId);
    for (const id of this.checkpointLsns.keys()) if (id <= checkpointId) this.checkpointLsns.delete(id);
    if (lsn === undefined) return;
    this.session?.stream?.confirm(lsn);
  }

  protected override async onClose(): Promise<void> {
    this.closing.abort();
    await this.opening?.catch(() => undefined);
    const session = this.session;
    this.session = undefined;
    if (session === undefined) return;
    session.heartbeat?.stop();
    await session.stream?.close();
    await session.replication.close();
    await session.snapshot?.client.end().catch(() => undefined);
    await session.catalog.end().catch(() => undefined);
  }

  /** The progress of the one split (read only while the reader owns it). */
  private get progress(): CdcProgress {
    return (this.currentSplit as CdcSplitState).progress;
  }

  private set progress(progress: CdcProgress) {
    (this.currentSplit as CdcSplitState).progress = progress;
  }

  private async open(): Promise<void> {
    const { connection, applicationName } = this.settings;
    let catalog: Client | undefined;
    let replication: ReplicationConnection | undefined;
    try {
      catalog = await connectPostgres(connection, this.log, `${applicationName}-catalog`, { textSession: true });
      const added = await ensurePublication(catalog, this.settings.publication, this.settings.tables, this.settings.allTables, this.log);
      const tables = await publishedTables(catalog, this.settings.publication);
      if (added.length > 0 && this.progress.phase === 'stream') await this.snapshotAdded(catalog, added);
      replication = await ReplicationConnection.open(connection, this.log, `${applicationName}-replication`);
      const session: Session = { catalog, types: new TypeCatalog(catalog), replication };
      this.session = session;
      if (this.progress.phase === 'stream') await this.openStream(session, this.progress.position, this.progress.snapshot, tables);
      // a snapshot under way is finished even if the config now says never: streaming alone would miss its rest
      else if (this.settings.snapshot === 'never' && this.progress.phase === 'new') await this.openWithoutSnapshot(session);
      else await this.openSnapshot(session, tables);
      if (this.settings.heartbeatIntervalMs > 0) {
        session.heartbeat = new Heartbeat(catalog, this.settings.heartbeatIntervalMs, this.log);
        session.heartbeat.start();
      }
    } catch (error) {
      this.session = undefined;
      await replication?.close();
      await catalog?.end().catch(() => undefined);
      throw postgresError(error, `postgres-cdc: opening slot ${this.settings.slot} failed`, { slot: this.settings.slot });
    }
  }

  /**
   * Tables added to the publication while streaming: with `snapshot: initial` on Postgres 14+ their existing rows are
   * read by the chunked snapshot (after the tables it still has to read); else only their changes from now on come.
   */
  private async snapshotAdded(catalog: Client, added: readonly string[]): Promise<void> {
    const progress = this.progress;
    if (progress.phase !== 'stream') return;
    if (this.settings.snapshot !== 'initial' || (await serverVersion(catalog)) < CHUNKED_SNAPSHOT_VERSION) {
      this.log.warn({ tables: added }, `postgres-cdc: the existing rows of ${added.join(', ')} are not snapshotted (snapshot: never, or Postgres before 14): only their changes from now on are streamed`);
      return;
    }
    const pending = progress.snapshot?.tables ?? [];
    const tables = [...pending, ...added.filter((table) => !pending.includes(table))];
    this.progress = { ...progress, snapshot: progress.snapshot === undefined ? { tables } : { ...progress.snapshot, tables } };
    this.log.info({ tables: added }, `postgres-cdc: snapshotting the existing rows of ${added.join(', ')} (chunked, beside the stream)`);
  }

  /** Resumes a checkpointed position; the slot must not be confirmed past it (changes would be missing). */
  private async openStream(session: Session, position: StreamPosition, snapshot: SnapshotProgress | undefined, tables: readonly PublishedTable[]): Promise<void> {
    const slot = await takeOverSlot(session.catalog, this.settings.slot, this.log);
    if (slot.confirmedFlush !== undefined && slot.confirmedFlush > position.lsn) {
      throw new LockstepError(
        `postgres-cdc: replication slot ${this.settings.slot} is confirmed up to ${formatLsn(slot.confirmedFlush)}, past the checkpoint's ` +
          `${formatLsn(position.lsn)}: the changes in between are gone (was the checkpoint store reset, or the slot used by another client?)`,
        { code: 'LS_POSTGRES_CDC_POSITION_LOST', context: { slot: this.settings.slot } },
      );
    }
    // The checkpoint restored is complete: the slot may be confirmed up to its position.
    if (snapshot !== undefined) this.log.info({ slot: this.settings.slot, tables: snapshot.tables.length }, 'postgres-cdc: resuming the initial snapshot after its last chunk');
    await this.startStream(session, position, position.lsn, snapshot, tables);
  }

  /** `snapshot: never` on a fresh start: stream from the slot's confirmed position, creating the slot if needed. */
  private async openWithoutSnapshot(session: Session): Promise<void> {
    let existing = await slotInfo(session.catalog, this.settings.slot);
    let lsn: bigint | undefined;
    if (existing !== undefined) {
      try {
        existing = await takeOverSlot(session.catalog, this.settings.slot, this.log);
        lsn = existing.confirmedFlush ?? 0n;
      } catch (error) {
        // a slot still being created by a process that died: terminating its walsender drops it; create it anew
        if (!LockstepError.is(error) || error.code !== 'LS_POSTGRES_CDC_SLOT_MISSING') throw error;
      }
    }
    if (lsn === undefined) {
      lsn = (await this.createSlot(session, false)).consistentPoint;
      this.log.info({ slot: this.settings.slot, lsn: formatLsn(lsn) }, 'postgres-cdc: created replication slot');
    }
    this.progress = { phase: 'stream', position: { lsn } };
    await this.startStream(session, { lsn }, 0n);
  }

  /**
   * `snapshot: initial` on a fresh start (or a restore of a legacy `snapshot` phase): an existing slot of that name is
   * dropped and created again. On Postgres 14+ the snapshot is chunked beside the stream (`SnapshotChunker`:
   * exactly-once across crashes); before 14 (no logical messages in pgoutput) it reads the slot's exported snapshot,
   * and a crash during it starts it over.
   */
  private async openSnapshot(session: Session, tables: readonly PublishedTable[]): Promise<void> {
    const { slot } = this.settings;
    if ((await slotInfo(session.catalog, slot)) !== undefined) {
      if (this.progress.phase === 'snapshot') this.log.warn({ slot }, 'postgres-cdc: restarting the initial snapshot; rows read before the crash are read again');
      await dropSlot(session.catalog, slot, this.log);
    }
    if ((await serverVersion(session.catalog)) >= CHUNKED_SNAPSHOT_VERSION) {
      const created = await this.createSlot(session, false);
      const position = { lsn: created.consistentPoint };
      const snapshot: SnapshotProgress = { tables: tables.map((table) => `${table.schema}.${table.table}`) };
      this.progress = snapshot.tables.length === 0 ? { phase: 'stream', position } : { phase: 'stream', position, snapshot };
      this.log.info({ slot, lsn: formatLsn(created.consistentPoint), tables: tables.length }, 'postgres-cdc: initial snapshot started (chunked, beside the stream)');
      await this.startStream(session, position, 0n, snapshot, tables);
      return;
    }
    const created = await this.createSlot(session, true);
    const client = await connectPostgres(this.settings.connection, this.log, `${this.settings.applicationName}-snapshot`, { textSession: true });
    try {
      const reader = await InitialSnapshot.begin(client, created.snapshotName as string, tables, created.consistentPoint, session.types);
      session.snapshot = { reader, client, consistentPoint: created.consistentPoint };
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.progress = { phase: 'snapshot' };
    this.log.info({ slot, lsn: formatLsn(created.consistentPoint), tables: tables.length }, 'postgres-cdc: initial snapshot started');
  }

  private async createSlot(session: Session, exportSnapshot: boolean) {
    const settings = {
      slot: this.settings.slot,
      exportSnapshot,
      serverVersion: await serverVersion(session.catalog),
      timeoutMs: this.settings.slotCreateTimeoutMs,
      signal: this.closing.signal,
      onWaiting: () => this.slotWaiting(),
    };
    return createSlotWatched(session.replication, session.catalog, settings, this.log);
  }

  private async pollSnapshot(session: Session, maxRecords: number): Promise<readonly LockstepRecord[]> {
    const snapshot = session.snapshot as NonNullable<Session['snapshot']>;
    const records = await snapshot.reader.next(maxRecords);
    if (records !== undefined) return records;
    session.snapshot = undefined;
    await snapshot.client.end().catch(() => undefined);
    const position = { lsn: snapshot.consistentPoint };
    this.progress = { phase: 'stream', position };
    this.log.info({ slot: this.settings.slot, lsn: formatLsn(position.lsn) }, 'postgres-cdc: initial snapshot done, streaming');
    await this.startStream(session, position, 0n);
    return [];
  }

  /**
   * The snapshot's tables still published (a table dropped from the publication meanwhile is skipped, logged), with
   * the progress updated to match.
   */
  private publishedOnly(snapshot: SnapshotProgress, tables: readonly PublishedTable[], position: StreamPosition): SnapshotProgress {
    const published = new Set(tables.map((table) => `${table.schema}.${table.table}`));
    const gone = snapshot.tables.filter((table) => !published.has(table));
    if (gone.length === 0) return snapshot;
    this.log.warn({ tables: gone }, `postgres-cdc: ${gone.join(', ')} no longer published: not snapshotted`);
    const [first] = snapshot.tables;
    const left = snapshot.tables.filter((table) => published.has(table));
    const next = first !== undefined && published.has(first) && snapshot.after !== undefined ? { tables: left, after: snapshot.after } : { tables: left };
    this.progress = next.tables.length === 0 ? { phase: 'stream', position } : { phase: 'stream', position, snapshot: next };
    return next;
  }

  private async startStream(session: Session, position: StreamPosition, confirmed: bigint, snapshot?: SnapshotProgress, tables: readonly PublishedTable[] = []): Promise<void> {
    const { slot, publication, statusIntervalMs, maxBufferedRecords, snapshotChunkSize } = this.settings;
    if (snapshot !== undefined) snapshot = this.publishedOnly(snapshot, tables, position);
    const chunker =
      snapshot === undefined || snapshot.tables.length === 0
        ? undefined
        : new SnapshotChunker(
            session.catalog,
            session.types,
            new Map(tables.map((table) => [`${table.schema}.${table.table}`, table])),
            snapshot,
            { slot, chunkSize: snapshotChunkSize },
            this.log,
          );
    await chunker?.loadKeyOrders();
    const settings = { slot, publication, statusIntervalMs, maxBufferedRecords };
    session.stream = new ChangeStream(session.replication, session.catalog, session.types, position, confirmed, settings, this.log, chunker);
    session.stream.start(position.lsn);
  }
}

function noop(): void {}

/** The first server version whose pgoutput sends logical messages (the chunked snapshot's watermarks). */
const CHUNKED_SNAPSHOT_VERSION = 140_000;
