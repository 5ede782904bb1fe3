import type { Client } from 'pg';
import type {
  InitContext,
  PluginContext,
  Source,
  SourceReader,
  SplitEnumerator,
  SplitEnumeratorContext,
} from '../../../core/sdk';
import { connectPostgres, describePostgresTarget, resolvePostgresConnection } from '../connection';
import { mapPostgresSourceError, postgresSourceConfigError } from './error-mapping';
import type { PostgresTableEnumeratorState } from './postgres-table-enumerator-state';
import type { PostgresTableSourceConfig } from './postgres-table-source-config';
import { PostgresTableSourceReader } from './postgres-table-source-reader';
import type { PostgresTableSplit } from './postgres-table-split';
import { PostgresTableSplitEnumerator } from './postgres-table-split-enumerator';
import { readTargetOf, type ReadTarget } from './read-plan';
import { PostgresTableEnumeratorStateSerializer } from './serializers/postgres-table-enumerator-state-serializer';
import { PostgresTableSplitSerializer } from './serializers/postgres-table-split-serializer';

/**
 * `type: postgres` source: reads a table (or a query's result) in key order with keyset pagination, positions (the
 * last key emitted per split) kept in lockstep's checkpoints, so it is replayable. Bounded by default: split into key
 * ranges read in parallel, then ends. `mode: incremental` polls for rows with a larger incremental column forever.
 * Construction does no I/O: connections open when the enumerator and readers start.
 */
export class PostgresTableSource implements Source<PostgresTableSplit, PostgresTableEnumeratorState> {
  readonly guarantee = 'replayable' as const;
  readonly bounded: boolean;
  readonly endpoint: string;
  readonly splitSerializer = new PostgresTableSplitSerializer();
  readonly enumeratorStateSerializer = new PostgresTableEnumeratorStateSerializer();
  private readonly target: ReadTarget;

  constructor(
    private readonly config: PostgresTableSourceConfig,
    private readonly context: Pick<PluginContext, 'pipeline' | 'componentId'>,
  ) {
    resolvePostgresConnection(config); // refuses a url it cannot use, at validate time
    this.endpoint = describePostgresTarget(config);
    this.target = readTargetOf(config);
    const incremental = config.mode === 'incremental';
    this.bounded = !incremental;
    if (incremental && config.incrementalColumn === undefined) throw postgresSourceConfigError('mode incremental needs incrementalColumn');
    if (!incremental && config.incrementalColumn !== undefined) throw postgresSourceConfigError('incrementalColumn needs mode: incremental');
    if (incremental && (config.splitColumn !== undefined || config.splits !== undefined)) {
      throw postgresSourceConfigError('splitColumn and splits apply to mode bounded only; incremental reads use one split');
    }
  }

  createEnumerator(
    context: SplitEnumeratorContext<PostgresTableSplit>,
    init: InitContext,
  ): SplitEnumerator<PostgresTableSplit, PostgresTableEnumeratorState> {
    return this.enumerator(context, init);
  }

  restoreEnumerator(
    context: SplitEnumeratorContext<PostgresTableSplit>,
    init: InitContext,
    state: PostgresTableEnumeratorState,
  ): SplitEnumerator<PostgresTableSplit, PostgresTableEnumeratorState> {
    return this.enumerator(context, init, state);
  }

  createReader(init: InitContext): SourceReader<PostgresTableSplit> {
    return new PostgresTableSourceReader(init, {
      config: this.config,
      target: this.target,
      fetchSize: this.config.fetchSize,
      pollIntervalMs: this.config.pollInterval,
      connect: (readerInit, role) => this.connect(readerInit, role),
    });
  }

  private enumerator(
    context: SplitEnumeratorContext<PostgresTableSplit>,
    init: InitContext,
    state?: PostgresTableEnumeratorState,
  ): PostgresTableSplitEnumerator {
    const settings = { config: this.config, target: this.target, bounded: this.bounded, connect: (i: InitContext, role: string) => this.connect(i, role) };
    return new PostgresTableSplitEnumerator(context, settings, init, state);
  }

  /** A session whose text output the readers rely on: ISO dates, UTC timestamps. */
  private async connect(init: InitContext, role: string): Promise<Client> {
    const name = `lockstep-${this.context.pipeline}-${this.context.componentId}-${role}`;
    try {
      return await connectPostgres(this.config, init.log, name, { textSession: true });
    } catch (error) {
      throw mapPostgresSourceError(error, 'connect', describePostgresTarget(this.config));
    }
  }
}
