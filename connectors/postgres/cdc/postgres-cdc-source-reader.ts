import type { Client } from 'pg';
import type { Logger } from 'pino';
import { LockstepError, type PollResult, type SourceReader } from '../../../core/sdk';
import { connectPostgres, type PostgresConnectionOptions } from '../connection';
import { postgresError } from '../errors';
import { dropSlot, ensurePublication, publishedTables, serverVersion, slotInfo, takeOverSlot } from './cdc-catalog';
import { ChangeStream } from './change-stream';
import { Heartbeat } from './heartbeat';
import { InitialSnapshot } from './initial-snapshot';
import { formatLsn } from './lsn';
import type { CdcProgress, PostgresCdcSplit, StreamPosition } from './postgres-cdc-split';
import { ReplicationConnection } from './replication-connection';

/** What a reader needs besides its context; built by `PostgresCdcSource` from the config. */
export interface PostgresCdcReaderSettings {
  readonly connection: PostgresConnectionOptions;
  readonly publication: string;
  readonly slot: string;
  readonly tables: readonly string[] | undefined;
  readonly allTables: boolean;
  readonly snapshot: 'initial' | 'never';
  readonly heartbeatIntervalMs: number;
  readonly statusIntervalMs: number;
  readonly maxBufferedRecords: number;
  /** `application_name` prefix of its connections. */
  readonly applicationName: string;
}

/** The connections of an opened split. */
interface Session {
  readonly catalog: Client;
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
export class PostgresCdcSourceReader implements SourceReader<PostgresCdcSplit> {
  private split: PostgresCdcSplit | undefined;
  private progress: CdcProgress = { phase: 'new' };
  private session: Session | undefined;
  private opening: Promise<void> | undefined;
  private readonly checkpointLsns = new Map<number, bigint>();
  private splitAdded: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly settings: PostgresCdcReaderSettings,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {}

  addSplits(splits: readonly PostgresCdcSplit[]): void {
    for (const split of splits) {
      if (this.split !== undefined) throw new LockstepError(`postgres-cdc reader got a second split ${split.splitId}`, { code: 'LS_SOURCE_CONTRACT' });
      this.split = split;
      this.progress = split.progress;
    }
    this.splitAdded?.();
  }

  notifyNoMoreSplits(): void {}

  async pollNext(maxRecords: number): Promise<PollResult> {
    if (this.split === undefined || this.closed) return { status: 'nothing-available' };
    this.opening ??= this.open();
    await this.opening;
    const session = this.session as Session;
    if (session.snapshot !== undefined) return this.pollSnapshot(session, maxRecords);
    const stream = session.stream as ChangeStream;
    if (stream.failed !== undefined) throw stream.failed;
    const { records, position } = stream.take(maxRecords);
    if (position !== undefined) this.progress = { phase: 'stream', position };
    return records.length > 0 ? { status: 'records', records } : { status: 'nothing-available' };
  }

  isAvailable(): Promise<void> {
    if (this.split === undefined) return new Promise((resolve) => (this.splitAdded = resolve));
    const session = this.session;
    if (session?.stream === undefined) return Promise.resolve();
    return session.stream.waitForItems();
  }

  snapshotState(checkpointId: number): PostgresCdcSplit[] {
    if (this.split === undefined) return [];
    if (this.progress.phase === 'stream') this.checkpointLsns.set(checkpointId, this.progress.position.lsn);
    return [{ splitId: this.split.splitId, progress: this.progress }];
  }

  async notifyCheckpointComplete(checkpointId: number): Promise<void> {
    const lsn = this.checkpointLsns.get(checkpointId);
    for (const id of this.checkpointLsns.keys()) if (id <= checkpointId) this.checkpointLsns.delete(id);
    if (lsn === undefined) return;
    this.session?.stream?.confirm(lsn);
  }

  async close(): Promise<void> {
    this.closed = true;
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

  private async open(): Promise<void> {
    const { connection, applicationName } = this.settings;
    const catalog = await connectPostgres(connection, this.log, `${applicationName}-catalog`, { textSession: true });
    let replication: ReplicationConnection | undefined;
    try {
      await ensurePublication(catalog, this.settings.publication, this.settings.tables, this.settings.allTables);
      const tables = await publishedTables(catalog, this.settings.publication);
      replication = await ReplicationConnection.open(connection, this.log, `${applicationName}-replication`);
      const session: Session = { catalog, replication };
      this.session = session;
      if (this.progress.phase === 'stream') await this.openStream(session, this.progress.position);
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
      await catalog.end().catch(() => undefined);
      throw postgresError(error, `postgres-cdc: opening slot ${this.settings.slot} failed`, { slot: this.settings.slot });
    }
  }

  /** Resumes a checkpointed position; the slot must not be confirmed past it (changes would be missing). */
  private async openStream(session: Session, position: StreamPosition): Promise<void> {
    const slot = await takeOverSlot(session.catalog, this.settings.slot, this.log);
    if (slot.confirmedFlush !== undefined && slot.confirmedFlush > position.lsn) {
      throw new LockstepError(
        `postgres-cdc: replication slot ${this.settings.slot} is confirmed up to ${formatLsn(slot.confirmedFlush)}, past the checkpoint's ` +
          `${formatLsn(position.lsn)}: the changes in between are gone (was the checkpoint store reset, or the slot used by another client?)`,
        { code: 'LS_POSTGRES_CDC_POSITION_LOST', context: { slot: this.settings.slot } },
      );
    }
    // The checkpoint restored is complete: the slot may be confirmed up to its position.
    this.startStream(session, position, position.lsn);
  }

  /** `snapshot: never` on a fresh start: stream from the slot's confirmed position, creating the slot if needed. */
  private async openWithoutSnapshot(session: Session): Promise<void> {
    const existing = await slotInfo(session.catalog, this.settings.slot);
    let lsn: bigint;
    if (existing === undefined) {
      lsn = (await session.replication.createSlot(this.settings.slot, false, await serverVersion(session.catalog))).consistentPoint;
      this.log.info({ slot: this.settings.slot, lsn: formatLsn(lsn) }, 'postgres-cdc: created replication slot');
    } else {
      const slot = await takeOverSlot(session.catalog, this.settings.slot, this.log);
      lsn = slot.confirmedFlush ?? 0n;
    }
    this.progress = { phase: 'stream', position: { lsn } };
    this.startStream(session, { lsn }, 0n);
  }

  /**
   * `snapshot: initial` on a fresh start, or a restore during the snapshot: the exported snapshot of an earlier run
   * is gone, so the slot is dropped and created again with a new one, and the snapshot starts over.
   */
  private async openSnapshot(session: Session, tables: Awaited<ReturnType<typeof publishedTables>>): Promise<void> {
    const { slot } = this.settings;
    if ((await slotInfo(session.catalog, slot)) !== undefined) {
      if (this.progress.phase === 'snapshot') this.log.warn({ slot }, 'postgres-cdc: restarting the initial snapshot; rows read before the crash are read again');
      await dropSlot(session.catalog, slot, this.log);
    }
    const created = await session.replication.createSlot(slot, true, await serverVersion(session.catalog));
    const client = await connectPostgres(this.settings.connection, this.log, `${this.settings.applicationName}-snapshot`, { textSession: true });
    try {
      const reader = await InitialSnapshot.begin(client, created.snapshotName as string, tables, created.consistentPoint);
      session.snapshot = { reader, client, consistentPoint: created.consistentPoint };
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.progress = { phase: 'snapshot' };
    this.log.info({ slot, lsn: formatLsn(created.consistentPoint), tables: tables.length }, 'postgres-cdc: initial snapshot started');
  }

  private async pollSnapshot(session: Session, maxRecords: number): Promise<PollResult> {
    const snapshot = session.snapshot as NonNullable<Session['snapshot']>;
    const records = await snapshot.reader.next(maxRecords);
    if (records !== undefined) return { status: 'records', records };
    session.snapshot = undefined;
    await snapshot.client.end().catch(() => undefined);
    const position = { lsn: snapshot.consistentPoint };
    this.progress = { phase: 'stream', position };
    this.log.info({ slot: this.settings.slot, lsn: formatLsn(position.lsn) }, 'postgres-cdc: initial snapshot done, streaming');
    this.startStream(session, position, 0n);
    return { status: 'nothing-available' };
  }

  private startStream(session: Session, position: StreamPosition, confirmed: bigint): void {
    const { slot, publication, statusIntervalMs, maxBufferedRecords } = this.settings;
    session.stream = new ChangeStream(session.replication, session.catalog, position, confirmed, { slot, publication, statusIntervalMs, maxBufferedRecords }, this.log);
    session.stream.start(position.lsn);
  }
}
