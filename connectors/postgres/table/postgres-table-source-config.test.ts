import { configSchemaCheck, testPluginContext, validatedConfig } from '../../../core/testing';
import { PostgresTableSource } from './postgres-table-source';
import type { PostgresTableSourceConfig } from './postgres-table-source-config';
import { postgresTableSourcePlugin } from './postgres-table-source-plugin';
import { readTargetOf } from './read-plan';

const check = configSchemaCheck('postgres/table-source.schema.json');
const base = { id: 'pg', type: 'postgres', url: 'postgres://app@db/shop' };
const context = testPluginContext({ pipeline: 'p', componentId: 'pg', baseDir: '.' });

describe('postgres table source config', () => {
  it('accepts a table or a query, bounded or incremental', () => {
    expect(check({ ...base, table: 'orders' })).toEqual([]);
    expect(check({ ...base, table: 'sales.orders', splitColumn: 'id', splits: 16, fetchSize: 5000 })).toEqual([]);
    expect(check({ ...base, query: 'SELECT * FROM orders', splitColumn: 'id' })).toEqual([]);
    expect(check({ ...base, host: 'db', password: 'secret', table: 'o', mode: 'incremental', incrementalColumn: 'updated_at', keyColumn: 'id', pollInterval: '5s', lag: '1m' })).toEqual([]);
  });

  it('refuses both or neither of table and query, incremental without its column, and bad sizes', () => {
    expect(check({ ...base, table: 'o', query: 'SELECT 1' })).toContain('/ must match exactly one schema in oneOf');
    expect(check({ ...base })).toContain('/ must match exactly one schema in oneOf');
    expect(check({ ...base, table: 'o', mode: 'incremental' })).toContain("/ must have required property 'incrementalColumn'");
    expect(check({ ...base, table: 'o', fetchSize: 0 })).toEqual(['/fetchSize must be >= 1']);
    expect(check({ ...base, table: 'a.b.c' })).toEqual([expect.stringContaining('/table must match pattern')]);
    expect(check({ ...base, table: 'o', url: 'mysql://x' })).not.toEqual([]);
  });

  it('is registered as the postgres source with this schema, bounded by default and replayable', () => {
    expect(postgresTableSourcePlugin).toMatchObject({ kind: 'source', type: 'postgres', configSchema: 'postgres/table-source.schema.json' });
    const source = postgresTableSourcePlugin.create(validatedConfig(postgresTableSourcePlugin, { ...base, table: 'orders' }), context);
    expect(source).toMatchObject({ guarantee: 'replayable', bounded: true });
    expect(postgresTableSourcePlugin.create(validatedConfig(postgresTableSourcePlugin, { ...base, table: 'o', mode: 'incremental', incrementalColumn: 'id' }), context).bounded).toBe(false);
  });

  it('refuses options of the other mode at construction', () => {
    // configs built in code skip the schema's cross-field rules: the constructor checks them too
    const valid = validatedConfig(postgresTableSourcePlugin, { ...base, table: 'o' });
    const make = (options: Partial<PostgresTableSourceConfig>): PostgresTableSource => new PostgresTableSource({ ...valid, ...options }, context);
    expect(() => make({ table: 'o', incrementalColumn: 'id' })).toThrow('incrementalColumn needs mode: incremental');
    expect(() => make({ table: 'o', mode: 'incremental', incrementalColumn: 'id', splits: 3 })).toThrow('apply to mode bounded only');
    expect(() => make({ table: 'o', query: 'SELECT 1' })).toThrow('exactly one of table and query');
  });

  it('quotes table names exactly as written and wraps queries as a subquery', () => {
    expect(readTargetOf({ table: 'Sales.Orders' })).toEqual({ from: '"Sales"."Orders"', table: '"Sales"."Orders"', name: 'Sales.Orders' });
    expect(readTargetOf({ query: ' SELECT id FROM t; ' })).toEqual({ from: '(SELECT id FROM t) AS lockstep_query', table: undefined, name: 'query' });
  });
});
