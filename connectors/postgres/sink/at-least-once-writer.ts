import type { Logger } from 'pino';
import type { LockstepRecord, SinkWriter } from '../../../core/sdk';
import type { PostgresConnectionOptions } from '../connection';
import type { ResolvedSinkConfig } from './postgres-sink-config';
import { TableSession } from './table-session';

/**
 * `semantic: at-least-once`: records go into a plain transaction that is committed at every flush (each checkpoint
 * barrier and the end of input). Records replayed after a failure are written again: use `mode: upsert` to make the
 * replay overwrite instead of duplicate (or fail on a unique key).
 */
export class AtLeastOncePostgresWriter implements SinkWriter {
  private readonly session: TableSession;

  constructor(
    options: PostgresConnectionOptions,
    config: ResolvedSinkConfig,
    private readonly applicationName: string,
    log: Logger,
  ) {
    this.session = new TableSession(options, config, log);
  }

  async init(): Promise<void> {
    await this.session.connect(this.applicationName);
    await this.session.loadTable();
  }

  write(records: readonly LockstepRecord[]): Promise<void> {
    return this.session.write(records);
  }

  async flush(): Promise<void> {
    await this.session.finish('commit', async (client) => {
      await client.query('COMMIT');
    });
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
