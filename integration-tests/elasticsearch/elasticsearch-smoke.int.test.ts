import { Client, errors } from '@elastic/elasticsearch';
import { testServices } from '../env';

/**
 * Smoke test of the Elasticsearch the run provisioned (whatever the provider): the client talks to it, and external
 * versioning — what lockstep's Elasticsearch sink relies on for idempotent writes — rejects stale versions with 409.
 */
describe('elasticsearch smoke', () => {
  const { url, version } = testServices().elasticsearch;
  const client = new Client({ node: url });
  const index = `lockstep-smoke-${Date.now()}-${process.pid}`;

  afterAll(async () => {
    await client.indices.delete({ index, ignore_unavailable: true });
    await client.close();
  });

  it('is an Elasticsearch 8 server', async () => {
    const info = await client.info();
    console.log(`elasticsearch ${info.version.number} at ${url} (provisioned as ${version})`);
    expect(info.version.number).toMatch(/^8\./);
    expect(version).toMatch(/^8\./);
    expect(info.tagline).toBe('You Know, for Search');
    expect(await client.ping()).toBe(true);
  });

  it('enforces external versions: a lower version is a 409 conflict, a higher one wins', async () => {
    await client.indices.create({
      index,
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: { properties: { value: { type: 'keyword' } } },
    });

    const first = await client.index({ index, id: 'doc-1', version: 5, version_type: 'external', document: { value: 'v5' } });
    expect(first.result).toBe('created');
    expect(first._version).toBe(5);

    const stale = await client
      .index({ index, id: 'doc-1', version: 3, version_type: 'external', document: { value: 'v3' } })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(stale).toBeInstanceOf(errors.ResponseError);
    const conflict = stale as InstanceType<typeof errors.ResponseError>;
    expect(conflict.meta.statusCode).toBe(409);
    expect(JSON.stringify(conflict.meta.body)).toContain('version_conflict_engine_exception');

    const newer = await client.index({ index, id: 'doc-1', version: 7, version_type: 'external', document: { value: 'v7' } });
    expect(newer.result).toBe('updated');
    expect(newer._version).toBe(7);

    const got = await client.get<{ value: string }>({ index, id: 'doc-1' });
    expect(got._version).toBe(7);
    expect(got._source).toEqual({ value: 'v7' });
  });
});
