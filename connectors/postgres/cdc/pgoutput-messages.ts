/**
 * The pgoutput logical replication messages of protocol version 1
 * (https://www.postgresql.org/docs/current/protocol-logicalrep-message-formats.html), as {@link decodePgoutput}
 * returns them. LSNs are bigint; timestamps are milliseconds since the Unix epoch.
 */

/** One column value of a TupleData: SQL NULL, an unchanged TOASTed value the server did not send, text or binary. */
export type TupleValue =
  | { readonly kind: 'null' }
  | { readonly kind: 'unchanged-toast' }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'binary'; readonly bytes: Buffer };

export interface RelationColumn {
  /** Part of the replica identity (the key sent with updates and deletes). */
  readonly isKey: boolean;
  readonly name: string;
  readonly typeOid: number;
  readonly typeModifier: number;
}

export interface BeginMessage {
  readonly tag: 'begin';
  /** LSN of the transaction's commit record. */
  readonly finalLsn: bigint;
  readonly commitTime: number;
  readonly xid: number;
}

export interface CommitMessage {
  readonly tag: 'commit';
  readonly flags: number;
  /** LSN of the commit record (equals Begin's `finalLsn`). */
  readonly commitLsn: bigint;
  /** LSN just past the commit record: where a restart resumes after this transaction. */
  readonly endLsn: bigint;
  readonly commitTime: number;
}

export interface OriginMessage {
  readonly tag: 'origin';
  readonly originLsn: bigint;
  readonly name: string;
}

export interface RelationMessage {
  readonly tag: 'relation';
  readonly relationOid: number;
  readonly schema: string;
  readonly table: string;
  /** `d` default, `n` nothing, `f` full, `i` index. */
  readonly replicaIdentity: string;
  readonly columns: readonly RelationColumn[];
}

export interface TypeMessage {
  readonly tag: 'type';
  readonly typeOid: number;
  readonly schema: string;
  readonly name: string;
}

export interface InsertMessage {
  readonly tag: 'insert';
  readonly relationOid: number;
  readonly newTuple: readonly TupleValue[];
}

export interface UpdateMessage {
  readonly tag: 'update';
  readonly relationOid: number;
  /** `key`: the old replica identity columns (the key changed); `old`: the whole old row (REPLICA IDENTITY FULL). */
  readonly oldKind?: 'key' | 'old';
  readonly oldTuple?: readonly TupleValue[];
  readonly newTuple: readonly TupleValue[];
}

export interface DeleteMessage {
  readonly tag: 'delete';
  readonly relationOid: number;
  readonly oldKind: 'key' | 'old';
  readonly oldTuple: readonly TupleValue[];
}

export interface TruncateMessage {
  readonly tag: 'truncate';
  readonly cascade: boolean;
  readonly restartIdentity: boolean;
  readonly relationOids: readonly number[];
}

/** A logical decoding message (`pg_logical_emit_message`), sent only when the `messages` option is on. */
export interface LogicalMessage {
  readonly tag: 'message';
  readonly transactional: boolean;
  readonly lsn: bigint;
  readonly prefix: string;
  readonly content: Buffer;
}

export type PgoutputMessage =
  | BeginMessage
  | CommitMessage
  | OriginMessage
  | RelationMessage
  | TypeMessage
  | InsertMessage
  | UpdateMessage
  | DeleteMessage
  | TruncateMessage
  | LogicalMessage;
