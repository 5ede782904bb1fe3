import type { Client } from 'pg';

/**
 * The one value model of the postgres-cdc source: the snapshot (`read`) and the stream (`insert`/`update`/`delete`)
 * both convert a column's text through `postgresValueFromText` (../sql.ts) with the column's **base type**, so the same
 * row gives byte-identical keys and values whichever path read it.
 *
 * Resolves type OIDs to their base types: a domain (over a domain…) to the type it is built on, every other type to
 * itself. The stream's Relation messages name a column's own type (the domain), a query's row description its base
 * type; converting by the base type makes both paths agree. Lookups are cached for the life of the catalog.
 */
export class TypeCatalog {
  private readonly bases = new Map<number, number>();

  constructor(private readonly client: Client) {}

  /** The base type of each of `oids` (in the same order), looking up the ones not seen yet in one query. */
  async baseTypes(oids: readonly number[]): Promise<number[]> {
    const unknown = [...new Set(oids.filter((oid) => !this.bases.has(oid)))];
    if (unknown.length > 0) {
      const result = await this.client.query<{ oid: number; base: number }>(
        `WITH RECURSIVE chain(oid, current) AS (
           SELECT t.oid, t.oid FROM pg_type t WHERE t.oid = ANY ($1::oid[])
           UNION ALL
           SELECT chain.oid, t.typbasetype FROM chain JOIN pg_type t ON t.oid = chain.current WHERE t.typtype = 'd'
         )
         SELECT chain.oid::int AS oid, chain.current::int AS base
           FROM chain JOIN pg_type t ON t.oid = chain.current
          WHERE t.typtype <> 'd'`,
        [unknown],
      );
      for (const row of result.rows) this.bases.set(Number(row.oid), Number(row.base));
      // an OID the catalog does not know (dropped meanwhile) converts as itself: its text
      for (const oid of unknown) if (!this.bases.has(oid)) this.bases.set(oid, oid);
    }
    return oids.map((oid) => this.bases.get(oid) as number);
  }
}
