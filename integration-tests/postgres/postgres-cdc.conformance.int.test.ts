import { describeSourceConformance } from '../../core/testing';
import { testServices } from '../env';
import { CdcTestBed, describeChange } from './postgres-cdc-fixtures';

/**
 * The core source conformance suite against real logical replication: a slot created before the changes, then 12
 * insert transactions of 5 rows, one transaction updating 20 rows (the old key only: REPLICA IDENTITY DEFAULT) and
 * one deleting 10 — so checkpoints and crashes fall inside transactions as well as between them. A read-ahead of 50
 * records pauses the stream; two subtasks, of which the second stays idle.
 */
const { url } = testServices().postgres;

describeSourceConformance('postgres-cdc (streaming)', {
  seeds: [1, 2, 3, 4],
  setup: async () => {
    const bed = new CdcTestBed(url);
    await bed.connect();
    await bed.createTable();
    await bed.createPublicationAndSlot();
    const expectedIds: string[] = [];
    for (let batch = 0; batch < 12; batch += 1) {
      const ids = Array.from({ length: 5 }, (_, i) => batch * 5 + i + 1);
      await bed.transaction(ids.map((id) => `INSERT INTO ${bed.table} (id, v, n) VALUES (${id}, 'v${id}', ${id})`));
      expectedIds.push(...ids.map((id) => `insert:${id}:v${id}`));
    }
    await bed.sql(`UPDATE ${bed.table} SET v = 'w' || id WHERE id <= 20`);
    for (let id = 1; id <= 20; id += 1) expectedIds.push(`update:${id}:w${id}`);
    await bed.sql(`DELETE FROM ${bed.table} WHERE id > 50`);
    for (let id = 51; id <= 60; id += 1) expectedIds.push(`delete:${id}`);
    return {
      createSource: () => bed.source({}, { statusIntervalMs: 200, maxBufferedRecords: 50 }),
      expectedIds,
      recordId: describeChange,
      parallelism: 2,
      cleanup: () => bed.cleanup(),
    };
  },
});
