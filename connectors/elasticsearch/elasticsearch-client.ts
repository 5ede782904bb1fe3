import { Client, type ClientOptions } from '@elastic/elasticsearch';
import { LockstepError } from '../../core/sdk';
import type { ElasticsearchSinkConfig } from './elasticsearch-sink-config';
import { toElasticsearchError } from './error-mapping';

/** The client options of a sink config: nodes, auth (basic, API key or bearer), TLS; the sink retries by itself. */
export function clientOptions(config: ElasticsearchSinkConfig): ClientOptions {
  const options: ClientOptions = {
    node: typeof config.node === 'string' ? config.node : [...config.node],
    maxRetries: 0,
    requestTimeout: config.requestTimeout,
  };
  const auth = config.auth;
  if (auth !== undefined) {
    if ('username' in auth) options.auth = { username: auth.username, password: auth.password };
    else if ('apiKey' in auth) options.auth = { apiKey: auth.apiKey };
    else options.auth = { bearer: auth.bearer };
  }
  if (config.tls !== undefined) options.tls = { ...(config.tls.ca === undefined ? {} : { ca: config.tls.ca }), rejectUnauthorized: config.tls.verify };
  return options;
}

/**
 * Connects a client and checks the server: Elasticsearch 8 (what the 8.x client is made for) or 9 (which accepts
 * the 8.x client's requests through REST compatibility); anything else is refused.
 * @returns the client and the server's version number.
 */
export async function connectClient(config: ElasticsearchSinkConfig): Promise<{ client: Client; version: string }> {
  const client = new Client(clientOptions(config));
  try {
    const info = await client.info();
    const version = info.version.number;
    const major = Number(version.split('.')[0]);
    if (major !== 8 && major !== 9) {
      throw new LockstepError(`elasticsearch sink ${config.id}: the server is Elasticsearch ${version}; this sink works with 8.x and 9.x servers`, {
        code: 'LS_ELASTICSEARCH_SERVER_VERSION',
      });
    }
    return { client, version };
  } catch (error) {
    await client.close();
    throw toElasticsearchError(error, `connecting to ${typeof config.node === 'string' ? config.node : config.node.join(', ')}`);
  }
}
