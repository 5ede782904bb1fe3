import type { Client } from 'pg';
import * as copyStreams from 'pg-copy-streams';
import type { Logger } from 'pino';
import type { Duplex } from 'node:stream';
import { LockstepError } from '../../../core/sdk';
import { connectPostgres, type PostgresConnectionOptions } from '../connection';
import { quoteIdentifier, quoteLiteral } from '../sql';
import { formatLsn, parseLsn } from './lsn';
import { parseServerMessage, standbyStatusUpdate, type ServerReplicationMessage } from './replication-messages';

/** `copyBoth` of pg-copy-streams (its type definitions only declare `from` and `to`). */
const copyBoth = (copyStreams as unknown as { both(text: string, options?: { alignOnCopyDataFrame?: boolean }): Duplex & { submit(): void } }).both;

/** A replication slot just created: where its stream begins and, when asked for, the exported snapshot's name. */
export interface CreatedSlot {
  readonly consistentPoint: bigint;
  readonly snapshotName?: string;
}

/** What the stream reports, in arrival order. */
export interface ReplicationStreamHandlers {
  message(message: ServerReplicationMessage): void;
  /** The stream failed or the server closed it: the reader fails (and restarts from its last checkpoint). */
  failed(error: Error): void;
}

/**
 * A replication connection (`replication=database`): creates a logical slot (optionally exporting its snapshot), then
 * streams it with `START_REPLICATION` in CopyBoth mode, and sends standby status updates back on the same stream.
 *
 * Call order: `createSlot` (optional, before streaming) → `startStreaming` once → `sendStatus`, `pause`, `resume`
 * any time → `close()`. An exported snapshot stays importable until the next command on this connection, so
 * `startStreaming` must wait until the snapshot transaction imported it.
 */
export class ReplicationConnection {
  private stream: (Duplex & { submit(): void }) | undefined;
  private closed = false;

  private constructor(
    private readonly client: Client,
    private readonly log: Logger,
    /** The server process of this connection (its walsender): what a blocked command is cancelled by. */
    readonly backendPid: number,
  ) {}

  static async open(options: PostgresConnectionOptions, log: Logger, applicationName: string): Promise<ReplicationConnection> {
    const client = await connectPostgres(options, log, applicationName, { replication: 'database', textSession: true });
    try {
      const result = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      return new ReplicationConnection(client, log, Number(result.rows[0]?.pid));
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  }

  /** Creates logical slot `slot` with pgoutput; `exportSnapshot` keeps its snapshot importable (see the class doc). */
  async createSlot(slot: string, exportSnapshot: boolean, serverVersion: number): Promise<CreatedSlot> {
    const snapshotOption =
      serverVersion >= 150_000 ? `(SNAPSHOT ${quoteLiteral(exportSnapshot ? 'export' : 'nothing')})` : exportSnapshot ? 'EXPORT_SNAPSHOT' : 'NOEXPORT_SNAPSHOT';
    const result = await this.client.query<{ consistent_point: string; snapshot_name: string | null }>(
      `CREATE_REPLICATION_SLOT ${quoteIdentifier(slot)} LOGICAL pgoutput ${snapshotOption}`,
    );
    const row = result.rows[0];
    if (row === undefined) throw new LockstepError(`CREATE_REPLICATION_SLOT ${slot} returned no row`, { code: 'LS_POSTGRES_CDC_PROTOCOL' });
    const created: CreatedSlot = { consistentPoint: parseLsn(row.consistent_point) };
    return row.snapshot_name === null ? created : { ...created, snapshotName: row.snapshot_name };
  }

  /**
   * Starts streaming `slot` from `lsn` with pgoutput protocol version 1 over `publications`; `messages`: logical
   * decoding messages too (Postgres 14+; the chunked snapshot's watermarks).
   */
  startStreaming(slot: string, publications: readonly string[], lsn: bigint, handlers: ReplicationStreamHandlers, messages = false): void {
    if (this.stream !== undefined) throw new LockstepError('the replication stream was started already', { code: 'LS_INTERNAL' });
    const names = publications.map((name) => quoteIdentifier(name)).join(',');
    const command =
      `START_REPLICATION SLOT ${quoteIdentifier(slot)} LOGICAL ${formatLsn(lsn)} ` +
      `(proto_version '1', publication_names ${quoteLiteral(names)}${messages ? ", messages 'true'" : ''})`;
    const stream = this.client.query(copyBoth(command, { alignOnCopyDataFrame: true }));
    this.stream = stream;
    let failed = false;
    const fail = (error: Error): void => {
      if (failed || this.closed) return;
      failed = true;
      handlers.failed(error);
    };
    stream.on('data', (frame: Buffer) => {
      if (failed) return;
      try {
        handlers.message(parseServerMessage(frame));
      } catch (error) {
        fail(error as Error);
      }
    });
    stream.on('error', (error: Error) => fail(error));
    stream.on('end', () => fail(new Error('the server ended the replication stream')));
    this.client.on('end', () => fail(new Error('the replication connection closed')));
  }

  /** Sends a standby status update: received up to `write`, confirmed (slot may release WAL) up to `flush`. */
  sendStatus(write: bigint, flush: bigint): void {
    if (this.stream === undefined || this.closed || this.stream.destroyed) return;
    this.stream.write(standbyStatusUpdate(write, flush, Date.now()));
  }

  /** Stops reading from the socket (backpressure); the server's sends block once the socket buffers fill. */
  pause(): void {
    this.stream?.pause();
  }

  resume(): void {
    this.stream?.resume();
  }

  /** Closes the connection; the server ends its walsender and the slot becomes inactive. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stream?.removeAllListeners('data');
    this.stream?.on('error', () => undefined);
    await this.client.end().catch((error: unknown) => this.log.debug({ err: error }, 'closing the replication connection failed'));
  }
}
