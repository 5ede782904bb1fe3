import { describeSourceConformance, type SourceFixture } from '../../core/testing';
import { testServices } from '../env';
import { PostgresTableTestBed } from './postgres-table-fixtures';

/**
 * The core source conformance suite against real tables: a bounded read of a bigint-keyed table with gaps in its keys
 * cut into 7 key ranges over 3 subtasks, a query source keyed by text (one range), and an incremental read by a
 * timestamp with an id tie-breaker (many rows share a timestamp). Small pages make checkpoints and crashes fall
 * between pages and while fetched rows still wait to be returned.
 */
const { url } = testServices().postgres;

async function fixture(build: (bed: PostgresTableTestBed) => Promise<Omit<SourceFixture, 'cleanup' | 'recordId'>>): Promise<SourceFixture> {
  const bed = await new PostgresTableTestBed(url).connect();
  try {
    return { ...(await build(bed)), recordId: (record) => String((record.value as { tag: string }).tag), cleanup: () => bed.close() };
  } catch (error) {
    await bed.close();
    throw error;
  }
}

describeSourceConformance('postgres table (bounded, bigint key ranges)', {
  setup: () =>
    fixture(async (bed) => {
      const table = await bed.createTable('conf_range', 'id bigint PRIMARY KEY, tag text NOT NULL, payload jsonb');
      // keys with gaps and a far outlier, so some ranges are empty and others dense
      await bed.sql(
        `INSERT INTO ${table} SELECT n * 3, 'r-' || n, jsonb_build_object('n', n) FROM generate_series(1, 150) n
         UNION ALL SELECT 9000000000, 'r-big', NULL`,
      );
      const expectedIds = [...Array.from({ length: 150 }, (_, n) => `r-${n + 1}`), 'r-big'];
      return { createSource: () => bed.source({ table, splits: 7, fetchSize: 9 }), expectedIds, parallelism: 3 };
    }),
});

describeSourceConformance('postgres query (bounded, text key)', {
  seeds: [1, 2, 3],
  setup: () =>
    fixture(async (bed) => {
      const table = await bed.createTable('conf_query', 'code text PRIMARY KEY, keep boolean NOT NULL');
      await bed.sql(`INSERT INTO ${table} SELECT 'c-' || n, n % 4 <> 0 FROM generate_series(1, 120) n`);
      const expectedIds = Array.from({ length: 120 }, (_, n) => n + 1)
        .filter((n) => n % 4 !== 0)
        .map((n) => `c-${n}`);
      const query = `SELECT code, code AS tag FROM ${table} WHERE keep`;
      return { createSource: () => bed.source({ query, splitColumn: 'code', fetchSize: 7 }), expectedIds, parallelism: 2 };
    }),
});

describeSourceConformance('postgres table (incremental, timestamp with id tie-breaker)', {
  seeds: [1, 2, 3],
  setup: () =>
    fixture(async (bed) => {
      const table = await bed.createTable('conf_incr', 'id int PRIMARY KEY, tag text NOT NULL, updated_at timestamptz NOT NULL');
      // ten rows per timestamp: pages end in the middle of a group of equal timestamps
      await bed.sql(
        `INSERT INTO ${table} SELECT n, 'i-' || n, timestamptz '2024-01-01 00:00:00+00' + (n / 10) * interval '1 second'
           FROM generate_series(1, 130) n`,
      );
      const expectedIds = Array.from({ length: 130 }, (_, n) => `i-${n + 1}`);
      return {
        createSource: () => bed.source({ table, mode: 'incremental', incrementalColumn: 'updated_at', fetchSize: 8, pollInterval: 5 }),
        expectedIds,
        parallelism: 2,
      };
    }),
});
