import { LockstepError } from '../../../core/sdk';
import { BinaryReader } from './binary-reader';
import type { PgoutputMessage, RelationColumn, TupleValue } from './pgoutput-messages';
import { postgresTimeToMillis } from './replication-messages';

/**
 * Decodes one pgoutput message (protocol version 1: the payload of one XLogData). Every message kind of version 1 is
 * decoded, also the ones lockstep ignores, so an unknown kind always means a protocol mismatch.
 *
 * @throws Error for an unknown kind or a damaged message.
 */
export function decodePgoutput(data: Buffer): PgoutputMessage {
  const reader = new BinaryReader(data, 'pgoutput message');
  const tag = reader.char();
  switch (tag) {
    case 'B':
      return { tag: 'begin', finalLsn: reader.uint64(), commitTime: postgresTimeToMillis(reader.int64()), xid: reader.uint32() };
    case 'C':
      return {
        tag: 'commit',
        flags: reader.uint8(),
        commitLsn: reader.uint64(),
        endLsn: reader.uint64(),
        commitTime: postgresTimeToMillis(reader.int64()),
      };
    case 'O':
      return { tag: 'origin', originLsn: reader.uint64(), name: reader.cstring() };
    case 'R':
      return decodeRelation(reader);
    case 'Y':
      return { tag: 'type', typeOid: reader.uint32(), schema: reader.cstring(), name: reader.cstring() };
    case 'I':
      return decodeInsert(reader);
    case 'U':
      return decodeUpdate(reader);
    case 'D':
      return decodeDelete(reader);
    case 'T':
      return decodeTruncate(reader);
    case 'M':
      return decodeLogicalMessage(reader);
    default:
      throw new LockstepError(`unknown pgoutput message kind ${JSON.stringify(tag)}`, { code: 'LS_POSTGRES_CDC_PROTOCOL' });
  }
}

function decodeRelation(reader: BinaryReader): PgoutputMessage {
  const relationOid = reader.uint32();
  const schema = reader.cstring();
  const table = reader.cstring();
  const replicaIdentity = reader.char();
  const count = reader.int16();
  const columns: RelationColumn[] = [];
  for (let i = 0; i < count; i += 1) {
    const flags = reader.uint8();
    columns.push({ isKey: (flags & 1) === 1, name: reader.cstring(), typeOid: reader.uint32(), typeModifier: reader.int32() });
  }
  return { tag: 'relation', relationOid, schema, table, replicaIdentity, columns };
}

function decodeInsert(reader: BinaryReader): PgoutputMessage {
  const relationOid = reader.uint32();
  expectTupleKind(reader.char(), ['N'], 'insert');
  return { tag: 'insert', relationOid, newTuple: decodeTuple(reader) };
}

function decodeUpdate(reader: BinaryReader): PgoutputMessage {
  const relationOid = reader.uint32();
  let kind = reader.char();
  expectTupleKind(kind, ['K', 'O', 'N'], 'update');
  if (kind === 'N') return { tag: 'update', relationOid, newTuple: decodeTuple(reader) };
  const oldKind = kind === 'K' ? 'key' : 'old';
  const oldTuple = decodeTuple(reader);
  kind = reader.char();
  expectTupleKind(kind, ['N'], 'update');
  return { tag: 'update', relationOid, oldKind, oldTuple, newTuple: decodeTuple(reader) };
}

function decodeDelete(reader: BinaryReader): PgoutputMessage {
  const relationOid = reader.uint32();
  const kind = reader.char();
  expectTupleKind(kind, ['K', 'O'], 'delete');
  return { tag: 'delete', relationOid, oldKind: kind === 'K' ? 'key' : 'old', oldTuple: decodeTuple(reader) };
}

function decodeTruncate(reader: BinaryReader): PgoutputMessage {
  const count = reader.int32();
  const options = reader.uint8();
  const relationOids: number[] = [];
  for (let i = 0; i < count; i += 1) relationOids.push(reader.uint32());
  return { tag: 'truncate', cascade: (options & 1) === 1, restartIdentity: (options & 2) === 2, relationOids };
}

function decodeLogicalMessage(reader: BinaryReader): PgoutputMessage {
  const transactional = (reader.uint8() & 1) === 1;
  const lsn = reader.uint64();
  const prefix = reader.cstring();
  const length = reader.int32();
  return { tag: 'message', transactional, lsn, prefix, content: Buffer.from(reader.bytes(length)) };
}

function decodeTuple(reader: BinaryReader): TupleValue[] {
  const count = reader.int16();
  const values: TupleValue[] = [];
  for (let i = 0; i < count; i += 1) {
    const kind = reader.char();
    if (kind === 'n') values.push({ kind: 'null' });
    else if (kind === 'u') values.push({ kind: 'unchanged-toast' });
    else if (kind === 't') values.push({ kind: 'text', text: reader.bytes(reader.int32()).toString('utf8') });
    else if (kind === 'b') values.push({ kind: 'binary', bytes: Buffer.from(reader.bytes(reader.int32())) });
    else throw new LockstepError(`unknown pgoutput column kind ${JSON.stringify(kind)}`, { code: 'LS_POSTGRES_CDC_PROTOCOL' });
  }
  return values;
}

function expectTupleKind(kind: string, allowed: readonly string[], message: string): void {
  if (!allowed.includes(kind)) throw new LockstepError(`pgoutput ${message} message has tuple kind ${JSON.stringify(kind)} (expected ${allowed.join(', ')})`, { code: 'LS_POSTGRES_CDC_PROTOCOL' });
}
