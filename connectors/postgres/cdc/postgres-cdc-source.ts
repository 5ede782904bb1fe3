import {
  type InitContext,
  LockstepError,
  type PluginContext,
  type Source,
  type SourceReader,
  type SplitEnumerator,
  type SplitEnumeratorContext,
} from '../../../core/sdk';
import { describePostgresTarget, resolvePostgresConnection } from '../connection-options';
import { parseQualifiedName } from '../sql';
import type { PostgresCdcSourceConfig } from './postgres-cdc-source-config';
import { PostgresCdcSourceReader, type PostgresCdcReaderSettings } from './postgres-cdc-source-reader';
import type { PostgresCdcSplit } from './postgres-cdc-split';
import { PostgresCdcSplitEnumerator, type PostgresCdcEnumeratorState } from './postgres-cdc-split-enumerator';
import { PostgresCdcEnumeratorStateSerializer } from './serializers/postgres-cdc-enumerator-state-serializer';
import { PostgresCdcSplitSerializer } from './serializers/postgres-cdc-split-serializer';

/** Settings that are not part of the config (tests use short status intervals and small buffers). */
export interface PostgresCdcSourceOptions {
  readonly statusIntervalMs?: number;
  readonly maxBufferedRecords?: number;
}

/**
 * `type: postgres-cdc` source: the changes of a publication, streamed from a pgoutput logical replication slot, after
 * an optional initial snapshot. Replayable: the position (LSN, and how far into a transaction) is in lockstep's
 * checkpoints and the slot is confirmed only up to completed checkpoints. One split (the slot), read by subtask 0.
 * Construction does no I/O.
 */
export class PostgresCdcSource implements Source<PostgresCdcSplit, PostgresCdcEnumeratorState> {
  readonly guarantee = 'replayable' as const;
  /** Row keys `{ column: value }`: a sink that cannot write object keys is refused at validate time. */
  readonly recordKeys = 'object' as const;
  readonly guaranteeCaveat: string | undefined;
  readonly bounded = false;
  readonly endpoint: string;
  readonly splitSerializer = new PostgresCdcSplitSerializer();
  readonly enumeratorStateSerializer = new PostgresCdcEnumeratorStateSerializer();
  private readonly settings: PostgresCdcReaderSettings;

  constructor(config: PostgresCdcSourceConfig, context: Pick<PluginContext, 'pipeline' | 'componentId'>, options: PostgresCdcSourceOptions = {}) {
    resolvePostgresConnection(config); // refuses a url it cannot use, at validate time
    this.endpoint = describePostgresTarget(config);
    if (config.allTables && config.tables !== undefined) throw configError('set either tables or allTables, not both');
    for (const table of config.tables ?? []) {
      try {
        parseQualifiedName(table);
      } catch (cause) {
        throw configError((cause as Error).message, cause);
      }
    }
    const { publication, slot, tables, allTables, snapshot, heartbeatInterval, slotCreateTimeout, statusInterval, maxBufferedRecords, snapshotChunkSize, ...rest } = config;
    const { id: _id, type: _type, parallelism: _parallelism, ...connection } = rest;
    // Postgres 14+ snapshots in chunks beside the stream (resumed after the last chunk across crashes); the server
    // version is only known at run time, so the report names both paths' at-least-once parts.
    this.guaranteeCaveat =
      snapshot === 'initial'
        ? 'its initial snapshot is at-least-once in part: on Postgres 14+ (chunked, resumed after its last chunk across crashes) ' +
          'for a table whose key has a column of a type other than int2/int4/int8, numeric, text, varchar, char or uuid (or a ' +
          'domain over one), a row inserted, updated or deleted during its snapshot in a key range not yet read comes as its ' +
          'change event and later again as a read record with its current values (the log names such tables); on Postgres ' +
          'before 14 a crash during the snapshot starts it over and the read records emitted before the crash come again'
        : undefined;
    this.settings = {
      connection,
      publication,
      slot,
      tables,
      allTables,
      snapshot,
      heartbeatIntervalMs: heartbeatInterval,
      slotCreateTimeoutMs: slotCreateTimeout,
      statusIntervalMs: options.statusIntervalMs ?? statusInterval,
      maxBufferedRecords: options.maxBufferedRecords ?? maxBufferedRecords,
      snapshotChunkSize,
      applicationName: `lockstep-${context.pipeline}-${context.componentId}`,
    };
  }

  createEnumerator(context: SplitEnumeratorContext<PostgresCdcSplit>, _init: InitContext): SplitEnumerator<PostgresCdcSplit, PostgresCdcEnumeratorState> {
    return new PostgresCdcSplitEnumerator(context, this.settings.slot);
  }

  restoreEnumerator(
    context: SplitEnumeratorContext<PostgresCdcSplit>,
    _init: InitContext,
    state: PostgresCdcEnumeratorState,
  ): SplitEnumerator<PostgresCdcSplit, PostgresCdcEnumeratorState> {
    return new PostgresCdcSplitEnumerator(context, this.settings.slot, state);
  }

  createReader(init: InitContext): SourceReader<PostgresCdcSplit> {
    if (init.subtask === 0 && init.parallelism > 1) {
      init.log.info({ parallelism: init.parallelism }, 'postgres-cdc reads one replication slot with one subtask; the others stay idle');
    }
    return new PostgresCdcSourceReader(this.settings, init.log);
  }
}

function configError(message: string, cause?: unknown): LockstepError {
  return new LockstepError(`postgres-cdc source: ${message}`, { code: 'LS_CONFIG_INVALID', cause });
}
