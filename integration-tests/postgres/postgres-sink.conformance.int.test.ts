import { randomUUID } from 'node:crypto';
import { PostgresSink, postgresSinkPlugin } from '../../connectors/postgres/sink';
import { describeSinkConformance, testPluginContext, validatedConfig } from '../../core/testing';
import { testServices } from '../env';
import { adminClient, preparedGids, rollbackAll, uniqueTable } from './postgres-sink-fixtures';

/**
 * The core sink conformance suite against the real server: values are the rows another session sees (committed), and
 * the uncommitted leftovers are this pipeline's prepared transactions plus sessions of its writers still in a transaction.
 */
const { url } = testServices().postgres;

describeSinkConformance('postgres', {
  mechanism: 'two-phase-commit',
  traceInspection: true,
  seeds: [1, 2, 3],
  setup: async () => {
    const admin = await adminClient();
    const table = uniqueTable('sink_conformance');
    const pipeline = `conformance-${randomUUID().slice(0, 8)}`;
    await admin.query(`CREATE TABLE ${table} (id text PRIMARY KEY, n integer NOT NULL)`);
    const sink = (): PostgresSink => new PostgresSink(validatedConfig(postgresSinkPlugin, { id: 'out', url, table, batchSize: 3 }), testPluginContext({ pipeline, componentId: 'out' }));
    const prefix = sink().gids.prefix;
    return {
      createSink: sink,
      readCommitted: async () => (await admin.query<{ id: string; n: number }>(`SELECT id, n FROM ${table}`)).rows,
      listUncommitted: async () => {
        const open = await admin.query<{ application_name: string }>(
          "SELECT application_name FROM pg_stat_activity WHERE left(application_name, length($1)) = $1 AND state LIKE 'idle in transaction%'",
          [prefix],
        );
        return [...(await preparedGids(admin, prefix)), ...open.rows.map((row) => `open: ${row.application_name}`)];
      },
      cleanup: async () => {
        await rollbackAll(admin, prefix);
        await admin.query(`DROP TABLE IF EXISTS ${table}`);
        await admin.query('DELETE FROM lockstep_commits WHERE pipeline = $1', [pipeline]).catch(() => undefined);
        await admin.end();
      },
    };
  },
});
