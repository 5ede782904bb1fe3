import { LockstepError } from '../../../core/sdk';
import { BinaryReader } from './binary-reader';

/**
 * The CopyData payloads of the streaming replication protocol
 * (https://www.postgresql.org/docs/current/protocol-replication.html): the server sends XLogData (`w`, carrying one
 * pgoutput message) and primary keepalives (`k`); the client sends standby status updates (`r`).
 */
export type ServerReplicationMessage =
  | {
      readonly kind: 'xlog-data';
      /** WAL position of the data: for pgoutput, the LSN of the change (or of the transaction's begin/commit). */
      readonly dataStart: bigint;
      readonly walEnd: bigint;
      readonly data: Buffer;
    }
  | {
      readonly kind: 'keepalive';
      /** The server's position: every transaction whose commit record starts before it was sent already. */
      readonly walEnd: bigint;
      readonly replyRequested: boolean;
    };

/** Milliseconds between the Unix epoch and the Postgres epoch (2000-01-01 00:00:00 UTC). */
const POSTGRES_EPOCH_MS = 946_684_800_000n;

/** A Postgres protocol timestamp (microseconds since 2000-01-01 UTC) as milliseconds since the Unix epoch. */
export function postgresTimeToMillis(micros: bigint): number {
  return Number(micros / 1000n + POSTGRES_EPOCH_MS);
}

/** Milliseconds since the Unix epoch as a Postgres protocol timestamp. */
export function millisToPostgresTime(ms: number): bigint {
  return (BigInt(Math.trunc(ms)) - POSTGRES_EPOCH_MS) * 1000n;
}

/** Decodes one CopyData payload the server sent in CopyBoth mode. @throws Error for an unknown or damaged one. */
export function parseServerMessage(payload: Buffer): ServerReplicationMessage {
  const reader = new BinaryReader(payload, 'replication message');
  const kind = reader.char();
  if (kind === 'w') {
    const dataStart = reader.uint64();
    const walEnd = reader.uint64();
    reader.int64(); // send time
    return { kind: 'xlog-data', dataStart, walEnd, data: reader.rest() };
  }
  if (kind === 'k') {
    const walEnd = reader.uint64();
    reader.int64(); // send time
    return { kind: 'keepalive', walEnd, replyRequested: reader.uint8() === 1 };
  }
  throw new LockstepError(`unknown replication message kind ${JSON.stringify(kind)}`, { code: 'LS_POSTGRES_CDC_PROTOCOL' });
}

/**
 * A standby status update (`r`). For a logical slot the server takes `flush` as the slot's confirmed flush position
 * (0 leaves it alone); `write` is what was received, and only decides when the server sends keepalives.
 */
export function standbyStatusUpdate(write: bigint, flush: bigint, nowMs: number, replyRequested = false): Buffer {
  const buffer = Buffer.alloc(34);
  buffer.write('r', 0, 'latin1');
  buffer.writeBigUInt64BE(write, 1);
  buffer.writeBigUInt64BE(flush, 9);
  buffer.writeBigUInt64BE(flush, 17); // applied: lockstep applies at flush
  buffer.writeBigInt64BE(millisToPostgresTime(nowMs), 25);
  buffer.writeUInt8(replyRequested ? 1 : 0, 33);
  return buffer;
}
