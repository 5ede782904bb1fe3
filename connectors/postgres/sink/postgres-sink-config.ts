import { LockstepError } from '../../../core/sdk';
import { parseQualifiedName, type QualifiedName } from '../sql';
import type { PostgresSinkConfig } from './postgres-sink-config.generated';

/** The validated `type: postgres` sink config, generated from `config-schemas/postgres/sink.schema.json`. */
export type { PostgresSinkConfig } from './postgres-sink-config.generated';

/** A column filled from the same-named top-level field, or from a field path (`customer.id`). */
export type PostgresColumnMapping = NonNullable<PostgresSinkConfig['columns']>[number];

/** A column and the path of the record-value field it is filled from. */
export interface ColumnSource {
  readonly column: string;
  readonly path: readonly string[];
}

/**
 * The config in the form the sink works with: names parsed, columns as paths, and the defaults that depend on other
 * options (`key`, `write` by `mode`, `lockTimeout` by the checkpoint timeout) applied; the schema's own defaults are
 * already in the validated config.
 */
export interface ResolvedSinkConfig {
  readonly table: QualifiedName;
  readonly mode: 'insert' | 'upsert';
  /** The conflict columns of `mode: upsert`, and the key change events are applied by (empty: the table's primary key). */
  readonly key: readonly string[];
  /** How change events are recognised (see `change-events.ts`): `auto` by their exact shape, `apply` every record, `off` never. */
  readonly changes: 'auto' | 'apply' | 'off';
  /** A truncate change event: refused as a bad record, or applied as `DELETE FROM` the table. */
  readonly truncate: 'refuse' | 'apply';
  /** Undefined: every top-level field of each record value. */
  readonly columns: readonly ColumnSource[] | undefined;
  readonly exactlyOnce: boolean;
  readonly batchSize: number;
  readonly write: 'copy' | 'insert';
  readonly markerSchema: string;
  readonly lockTimeoutMs: number;
}

/** The lock timeout without a checkpoint timeout to derive it from (a sink built outside a pipeline). */
const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

function invalid(message: string): LockstepError {
  return new LockstepError(message, { code: 'LS_CONFIG_INVALID' });
}

/**
 * Applies defaults (`lockTimeout`: half of `checkpointTimeoutMs`) and checks what the schema cannot: `mode: upsert` needs `key` (and explicit `columns` must fill
 * every key column); `write: copy` cannot upsert, because COPY cannot resolve conflicts and the staging table it would
 * need cannot be a temporary table inside a prepared transaction.
 */
export function resolveSinkConfig(config: PostgresSinkConfig, checkpointTimeoutMs?: number): ResolvedSinkConfig {
  const { mode } = config;
  const key = config.key ?? [];
  if (mode === 'upsert' && key.length === 0) throw invalid(`postgres sink ${config.id}: mode upsert needs key, the conflict columns`);
  const changes = config.changes ?? 'auto';
  if (mode === 'insert' && key.length > 0 && changes === 'off') {
    throw invalid(`postgres sink ${config.id}: key is only used by mode upsert and to apply change events (changes is off)`);
  }
  const write = config.write ?? (mode === 'upsert' ? 'insert' : 'copy');
  if (mode === 'upsert' && write === 'copy') {
    throw invalid(
      `postgres sink ${config.id}: write copy cannot upsert (COPY has no ON CONFLICT, and a temporary staging table cannot be ` +
        'part of a prepared transaction); use write insert (the default for mode upsert)',
    );
  }
  const columns = config.columns?.map((mapping): ColumnSource =>
    typeof mapping === 'string' ? { column: mapping, path: [mapping] } : { column: mapping.column, path: mapping.field.split('.') },
  );
  if (columns !== undefined) {
    const names = columns.map((source) => source.column);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate !== undefined) throw invalid(`postgres sink ${config.id}: column ${duplicate} is mapped twice`);
    const unfilled = key.filter((column) => !names.includes(column));
    if (unfilled.length > 0) throw invalid(`postgres sink ${config.id}: key column(s) ${unfilled.join(', ')} missing from columns`);
  }
  let table: QualifiedName;
  try {
    table = parseQualifiedName(config.table);
  } catch (error) {
    throw invalid(`postgres sink ${config.id}: ${(error as Error).message}`);
  }
  return {
    table,
    mode,
    key,
    changes,
    truncate: config.truncate ?? 'refuse',
    columns,
    exactlyOnce: config.semantic === 'exactly-once',
    batchSize: config.batchSize,
    write,
    markerSchema: config.markerSchema,
    // A write waiting for a row lock that only a later checkpoint would release (held by this sink's own prepared
    // transaction, or another subtask's) would otherwise wait forever while every checkpoint times out: failing
    // within the checkpoint timeout makes the pipeline fail over, and recovery settles the prepared transactions.
    lockTimeoutMs: config.lockTimeout ?? (checkpointTimeoutMs === undefined ? DEFAULT_LOCK_TIMEOUT_MS : Math.max(1_000, Math.floor(checkpointTimeoutMs / 2))),
  };
}
