import { LockstepError, type LockstepRecord } from '../../../core/sdk';
import type { ChangeEvent, ChangeOperation, RowImage } from './change-event';
import { formatLsn } from './lsn';
import type { BeginMessage, PgoutputMessage, RelationColumn, RelationMessage, TupleValue } from './pgoutput-messages';
import type { SnapshotProgress, StreamPosition } from './postgres-cdc-split';
import { postgresValueFromText } from '../sql';

/**
 * A relation as the stream described it (column types resolved to their base types), with its key columns (the
 * replica identity's, looked up in the catalog).
 */
export interface KnownRelation {
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly RelationColumn[];
  readonly keyColumns: readonly string[];
}

/**
 * What the assembler hands the reader: a record and the position after it, or only a newer position. `joined`: the
 * item belongs with the one before it (the delete of the old key that precedes a key-changing update) and is taken
 * in the same poll, so no checkpoint falls between the two.
 */
export type ChangeItem = {
  readonly record?: LockstepRecord;
  readonly position: StreamPosition;
  readonly joined?: true;
  /** The chunked snapshot's progress from this item on (set by the items of a snapshot chunk). */
  readonly snapshot?: SnapshotProgress;
};

interface OpenTransaction {
  readonly begin: BeginMessage;
  /** The commit LSN and time as events carry them: the same for every event of the transaction. */
  readonly commitLsn: string;
  readonly commitTime: string;
  /** Index of the next event of the transaction. */
  next: number;
  /** Events at the start of the transaction a restored run already emitted. */
  readonly skip: number;
}

/**
 * Turns decoded pgoutput messages into change records, in commit order, with the position after each. Positions move
 * by whole transactions (`lsn`: the commit's end LSN) and, inside one, by the count of its events emitted
 * (`partial`), so a checkpoint between two events of a transaction resumes exactly after the first.
 *
 * Call order: `relation` for each Relation message (before the changes that use it), `accept` for every message
 * with the XLogData start LSN it came with, `keepalive` for primary keepalives.
 */
export class ChangeAssembler {
  private readonly relations = new Map<number, KnownRelation>();
  private transaction: OpenTransaction | undefined;
  private position: StreamPosition;

  constructor(start: StreamPosition) {
    this.position = start;
  }

  /** The position after everything accepted so far. */
  get current(): StreamPosition {
    return this.position;
  }

  /**
   * Records the relation a Relation message describes, with its key columns; `baseTypes` are the base types of its
   * columns' types (domains resolved, see `TypeCatalog`), the column types otherwise.
   */
  relation(message: RelationMessage, keyColumns: readonly string[], baseTypes?: readonly number[]): void {
    const columns = baseTypes === undefined ? message.columns : message.columns.map((column, i) => ({ ...column, typeOid: baseTypes[i] ?? column.typeOid }));
    this.relations.set(message.relationOid, { schema: message.schema, table: message.table, columns, keyColumns });
  }

  /** Items for one decoded message (none for Begin, Relation, Type, Origin and logical messages). */
  accept(message: PgoutputMessage, dataStart: bigint): ChangeItem[] {
    switch (message.tag) {
      case 'begin':
        this.begin(message);
        return [];
      case 'commit':
        return this.commit(message.commitLsn, message.endLsn);
      case 'insert':
        return this.emit('insert', message.relationOid, dataStart, null, message.newTuple);
      case 'update':
        return this.emit('update', message.relationOid, dataStart, message.oldTuple ?? null, message.newTuple, message.oldKind);
      case 'delete':
        return this.emit('delete', message.relationOid, dataStart, message.oldTuple, null, message.oldKind);
      case 'truncate':
        return message.relationOids.flatMap((oid) => this.emit('truncate', oid, dataStart, null, null));
      default:
        return [];
    }
  }

  /**
   * A keepalive's WAL end between transactions: every commit before it was sent, so the position may move there —
   * which lets the slot be confirmed on a database whose published tables are idle. Ignored inside a transaction and
   * while the transaction a restore resumes in has not arrived yet.
   */
  keepalive(walEnd: bigint): ChangeItem[] {
    if (this.transaction !== undefined || this.position.partial !== undefined || walEnd <= this.position.lsn) return [];
    this.position = { lsn: walEnd };
    return [{ position: this.position }];
  }

  private begin(message: BeginMessage): void {
    if (this.transaction !== undefined) throw protocolError(`transaction ${message.xid} began inside transaction ${this.transaction.begin.xid}`);
    const partial = this.position.partial;
    if (partial !== undefined && partial.commitLsn !== message.finalLsn) {
      throw new LockstepError(
        `postgres-cdc: the checkpoint resumes inside the transaction committed at ${formatLsn(partial.commitLsn)}, but the slot sent the one ` +
          `committed at ${formatLsn(message.finalLsn)} first: the slot was advanced past the checkpoint (by another client?)`,
        { code: 'LS_POSTGRES_CDC_POSITION_LOST', context: { expected: formatLsn(partial.commitLsn), got: formatLsn(message.finalLsn) } },
      );
    }
    this.transaction = {
      begin: message,
      commitLsn: formatLsn(message.finalLsn),
      commitTime: new Date(message.commitTime).toISOString(),
      next: 0,
      skip: partial?.emitted ?? 0,
    };
  }

  private commit(commitLsn: bigint, endLsn: bigint): ChangeItem[] {
    const transaction = this.transaction;
    if (transaction === undefined) throw protocolError(`commit at ${formatLsn(commitLsn)} without a begin`);
    this.transaction = undefined;
    if (transaction.next < transaction.skip) {
      throw new LockstepError(
        `postgres-cdc: the transaction committed at ${formatLsn(commitLsn)} has ${transaction.next} events, but the checkpoint says ` +
          `${transaction.skip} of them were emitted`,
        { code: 'LS_POSTGRES_CDC_POSITION_LOST' },
      );
    }
    // A transaction committed before the position (the server sends none such) counts as emitted.
    if (endLsn > this.position.lsn) this.position = { lsn: endLsn };
    else this.position = { lsn: this.position.lsn };
    return [{ position: this.position }];
  }

  private emit(
    op: ChangeOperation,
    relationOid: number,
    dataStart: bigint,
    oldTuple: readonly TupleValue[] | null,
    newTuple: readonly TupleValue[] | null,
    oldKind?: 'key' | 'old',
  ): ChangeItem[] {
    const transaction = this.transaction;
    if (transaction === undefined) throw protocolError(`${op} outside a transaction`);
    const relation = this.relations.get(relationOid);
    if (relation === undefined) throw protocolError(`${op} for relation ${relationOid} before its Relation message`);
    const index = transaction.next++;
    const { begin } = transaction;
    if (index < transaction.skip || begin.finalLsn < this.position.lsn) return [];
    this.position = { lsn: this.position.lsn, partial: { commitLsn: begin.finalLsn, emitted: index + 1 } };
    const before = oldTuple === null ? null : rowImage(relation, oldTuple, oldKind === 'key');
    const after = newTuple === null ? null : rowImage(relation, newTuple, false);
    const event: ChangeEvent = {
      op,
      schema: relation.schema,
      table: relation.table,
      before,
      after,
      lsn: formatLsn(dataStart),
      commitLsn: transaction.commitLsn,
      xid: begin.xid,
      commitTime: transaction.commitTime,
    };
    const key = op === 'truncate' ? null : rowKey(relation, after ?? before ?? {});
    const record: LockstepRecord = {
      key,
      value: event,
      timestamp: begin.commitTime,
      origin: `${relation.schema}.${relation.table}@${event.commitLsn}#${index}`,
    };
    if (op === 'update' && before !== null) {
      // The key changed: first the old key's delete, so a keyed downstream (a compacted topic, an upsert table)
      // forgets the row under its old key (what Debezium does too).
      const oldKey = rowKey(relation, before);
      if (!sameKey(oldKey, key as RowImage)) {
        const deleteRecord: LockstepRecord = {
          key: oldKey,
          value: { ...event, op: 'delete', after: null } satisfies ChangeEvent,
          timestamp: begin.commitTime,
          origin: `${record.origin}:old-key`,
        };
        return [
          { record: deleteRecord, position: this.position },
          { record, position: this.position, joined: true },
        ];
      }
    }
    return [{ record, position: this.position }];
  }
}

function sameKey(a: RowImage, b: RowImage): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The row a tuple holds; for an old key tuple only the key columns (the others are sent as nulls). */
export function rowImage(relation: Pick<KnownRelation, 'columns' | 'schema' | 'table'>, tuple: readonly TupleValue[], keyOnly: boolean): RowImage {
  if (tuple.length !== relation.columns.length) {
    throw protocolError(`a row of ${relation.schema}.${relation.table} has ${tuple.length} columns, its relation ${relation.columns.length}`);
  }
  const row: RowImage = {};
  relation.columns.forEach((column, i) => {
    if (keyOnly && !column.isKey) return;
    const value = tuple[i] as TupleValue;
    if (value.kind === 'null') row[column.name] = null;
    else if (value.kind === 'text') row[column.name] = postgresValueFromText(column.typeOid, value.text);
    else if (value.kind === 'binary') row[column.name] = value.bytes.toString('base64');
    // unchanged TOAST: the server did not send the value; the column is left out
  });
  return row;
}

/** The key columns of `row`, as an object (the record key). */
export function rowKey(relation: Pick<KnownRelation, 'keyColumns'>, row: RowImage): RowImage {
  const key: RowImage = {};
  for (const column of relation.keyColumns) key[column] = row[column] ?? null;
  return key;
}

function protocolError(problem: string): LockstepError {
  return new LockstepError(`postgres-cdc: unexpected replication stream: ${problem}`, { code: 'LS_POSTGRES_CDC_PROTOCOL' });
}
