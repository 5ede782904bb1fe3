import { ElasticsearchSink, elasticsearchSinkPlugin } from '../../connectors/elasticsearch';
import { describeSinkConformance, testPluginContext, validatedConfig } from '../../core/testing';
import { testServices } from '../env';
import { createIndex, oracleClient, readDocuments, uniqueIndex } from './elasticsearch-fixtures';

/**
 * The core sink conformance suite against the test bed's Elasticsearch: values are the documents a search sees after
 * a refresh (read with the client, not the sink); ids are the default ones, from each record's origin.
 */
const { url } = testServices().elasticsearch;

describeSinkConformance('elasticsearch', {
  mechanism: 'idempotent-writes',
  setup: async () => {
    const client = oracleClient();
    const index = uniqueIndex('conformance');
    await createIndex(client, index, { id: { type: 'keyword' }, n: { type: 'integer' } });
    return {
      createSink: () =>
        new ElasticsearchSink(validatedConfig(elasticsearchSinkPlugin, { id: 'out', node: url, index, bulkActions: 3 }), testPluginContext({ componentId: 'out' })),
      readCommitted: async () => (await readDocuments(client, index)).map((document) => document.source),
      cleanup: async () => {
        await client.indices.delete({ index, ignore_unavailable: true });
        await client.close();
      },
    };
  },
});
