import type { Client } from 'pg';
import type { Logger } from 'pino';
import type { InitContext, SplitEnumerator, SplitEnumeratorContext } from '../../../core/sdk';
import { describePostgresTarget } from '../connection';
import { mapPostgresSourceError } from './error-mapping';
import { rangeSplits, splitCount } from './key-ranges';
import type { PostgresTableEnumeratorState } from './postgres-table-enumerator-state';
import { DEFAULT_SPLITS_PER_SUBTASK, type PostgresTableSourceConfig } from './postgres-table-source-config';
import { INCREMENTAL_SPLIT_ID, type PostgresTableSplit } from './postgres-table-split';
import { resolveReadColumns } from './read-columns';
import { keyBounds, rangeBoundaries, type ReadTarget } from './read-plan';

/** What the enumerator plans with. */
export interface PostgresTableEnumeratorSettings {
  readonly config: PostgresTableSourceConfig;
  readonly target: ReadTarget;
  readonly bounded: boolean;
  readonly connect: (init: InitContext, role: string) => Promise<Client>;
}

/**
 * Plans the splits once, at the first `start` (never in the constructor: plugins' `create` does no I/O), then hands
 * them all out. Bounded: reads min and max of the split column, cuts `[min, max]` into `splits` key ranges (a single
 * range for keys that are not numbers, dates or timestamps), spreads them round-robin over the reader subtasks — so
 * neighbouring ranges, and any skew in them, land on different subtasks — and signals no more splits. Incremental:
 * one split, to subtask 0. A restored enumerator does not plan again; it hands out only what its state still holds.
 *
 * Call order: the engine's (`SplitEnumerator`). The API has no "reader asks for a split" callback, so assignment is
 * eager; every range is small enough that this balances well.
 */
export class PostgresTableSplitEnumerator implements SplitEnumerator<PostgresTableSplit, PostgresTableEnumeratorState> {
  private planned: boolean;
  private unassigned: PostgresTableSplit[];

  constructor(
    private readonly context: SplitEnumeratorContext<PostgresTableSplit>,
    private readonly settings: PostgresTableEnumeratorSettings,
    private readonly init: InitContext,
    restored?: PostgresTableEnumeratorState,
  ) {
    this.planned = restored?.planned ?? false;
    this.unassigned = [...(restored?.unassigned ?? [])];
  }

  private get log(): Logger {
    return this.init.log;
  }

  async start(): Promise<void> {
    if (!this.planned) {
      this.unassigned.push(...(await this.plan()));
      this.planned = true;
    }
    const splits = this.unassigned.splice(0);
    splits.forEach((split, index) => this.context.assignSplits(index % this.context.parallelism, [split]));
    if (this.settings.bounded) this.signalNoMoreSplitsToAll();
  }

  addSplitsBack(splits: readonly PostgresTableSplit[], subtask: number): void {
    // the API has no "reader registered" callback: hand them straight back; the engine delivers them to the new reader
    this.context.assignSplits(subtask, splits);
    if (this.settings.bounded) this.context.signalNoMoreSplits(subtask);
  }

  snapshotState(_checkpointId: number): PostgresTableEnumeratorState {
    return { planned: this.planned, unassigned: this.unassigned.map((split) => ({ ...split })) };
  }

  async close(): Promise<void> {}

  private signalNoMoreSplitsToAll(): void {
    for (let subtask = 0; subtask < this.context.parallelism; subtask += 1) this.context.signalNoMoreSplits(subtask);
  }

  private async plan(): Promise<PostgresTableSplit[]> {
    const { config, target } = this.settings;
    let client: Client | undefined;
    try {
      client = await this.settings.connect(this.init, 'enumerator');
      const columns = await resolveReadColumns(client, config, target);
      if (columns.mode === 'incremental') {
        this.log.info({ source: target.name, ...columns.columns }, 'postgres incremental read planned');
        return [{ splitId: INCREMENTAL_SPLIT_ID, kind: 'incremental' }];
      }
      const bounds = await keyBounds(client, target, columns.splitColumn);
      if (bounds === undefined) {
        this.log.info({ source: target.name }, `postgres source: ${target.name} has no rows; nothing to read`);
        return [];
      }
      const count = splitCount(config.splits, this.context.parallelism, DEFAULT_SPLITS_PER_SUBTASK);
      const boundaries = await rangeBoundaries(client, columns.category, bounds, count);
      const splits = rangeSplits(bounds.min, boundaries, bounds.max);
      this.log.info(
        { source: target.name, splitColumn: columns.splitColumn, min: bounds.min, max: bounds.max, splits: splits.length },
        'postgres key ranges planned',
      );
      return splits;
    } catch (error) {
      throw mapPostgresSourceError(error, `plan the read of ${target.name}`, describePostgresTarget(config));
    } finally {
      await client?.end().catch(() => undefined);
    }
  }
}
