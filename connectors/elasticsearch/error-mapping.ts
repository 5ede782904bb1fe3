/**
 * The Elasticsearch error mapping: what an error of the client (`@elastic/elasticsearch` 8.x: `ConnectionError`,
 * `TimeoutError`, `ResponseError` with an HTTP status…) or a bulk item's status means, and the `LockstepError` it
 * becomes.
 */
import { LockstepError } from '../../core/sdk';

/**
 * What a failure means for the sink:
 * - `retry`: 429, 5xx, 408, a lost connection or a timeout: try again (the failed items only, with backoff);
 * - `auth`: 401 or 403: credentials or privileges, retrying cannot help;
 * - `too-large`: 413, the request is over http.max_content_length;
 * - `rejected`: any other 4xx: this document (or request) is wrong and stays wrong.
 */
export type ElasticsearchFailureClass = 'retry' | 'auth' | 'too-large' | 'rejected';

/** The class of an HTTP status of a response or of a bulk item. */
export function classifyStatus(status: number): ElasticsearchFailureClass {
  if (status === 429 || status === 408 || status >= 500) return 'retry';
  if (status === 401 || status === 403) return 'auth';
  if (status === 413) return 'too-large';
  return 'rejected';
}

interface ClientErrorShape {
  readonly name?: string;
  readonly message?: string;
  readonly meta?: { readonly statusCode?: number | null; readonly body?: unknown };
}

/** The HTTP status of a client error, if the server answered. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as ClientErrorShape | null)?.meta?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The class of a client error: no answer at all (connection refused or lost, timeout) is `retry`. */
export function classifyClientError(error: unknown): ElasticsearchFailureClass {
  const status = statusOf(error);
  if (status === undefined || status === 0) return 'retry';
  return classifyStatus(status);
}

/** The server's `error.reason` (and type) from a response body, for messages. */
export function serverReason(body: unknown): string | undefined {
  const error = (body as { error?: unknown } | null)?.error;
  if (typeof error === 'string') return error;
  const shaped = error as { type?: unknown; reason?: unknown; caused_by?: { reason?: unknown } } | undefined;
  if (shaped === undefined || shaped === null) return undefined;
  const cause = typeof shaped.caused_by?.reason === 'string' ? `: ${shaped.caused_by.reason}` : '';
  return `${String(shaped.type ?? 'error')}: ${String(shaped.reason ?? '')}${cause}`;
}

const NETWORK_FAILURE = /\b(ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|ENOTFOUND|EAI_AGAIN|EAI_NONAME) (\S+)/;

/**
 * The client's `ConnectionError` carries the socket error only in its message (`connect ECONNREFUSED 127.0.0.1:9200`,
 * `getaddrinfo ENOTFOUND es.local`): this makes it a cause with Node's `code` and `address`/`port` or `hostname`, so
 * the engine recognises a service that cannot be reached (restart as soon as it accepts connections, the startup
 * deadline, an unknown host failing at once). Undefined for other errors.
 */
export function networkCause(error: unknown): Error | undefined {
  const status = statusOf(error);
  if (status !== undefined && status !== 0) return undefined; // the client says 0 (or nothing) when no answer came
  const message = (error as ClientErrorShape | null)?.message ?? '';
  const match = NETWORK_FAILURE.exec(message);
  if (match === null) return undefined;
  const [, code, where] = match as unknown as [string, string, string];
  const cause = Object.assign(new Error(message, { cause: error }), { code });
  const hostPort = /^(.*):(\d+)$/.exec(where);
  if (code === 'ENOTFOUND' || code.startsWith('EAI_')) return Object.assign(cause, { hostname: where });
  return hostPort === null ? Object.assign(cause, { address: where }) : Object.assign(cause, { address: hostPort[1], port: Number(hostPort[2]) });
}

/** A client error as a `LockstepError` with the code of its class; `what` says what was being done. */
export function toElasticsearchError(error: unknown, what: string): LockstepError {
  if (error instanceof LockstepError) return error;
  const status = statusOf(error);
  const reason = serverReason((error as ClientErrorShape | null)?.meta?.body) ?? (error as ClientErrorShape | null)?.message ?? String(error);
  const message = `elasticsearch: ${what} failed${status === undefined || status === 0 ? '' : ` (HTTP ${status})`}: ${reason}`;
  switch (classifyClientError(error)) {
    case 'retry':
      return new LockstepError(message, { code: 'LS_ELASTICSEARCH_CONNECTION', cause: networkCause(error) ?? error });
    case 'auth':
      return new LockstepError(message, { code: 'LS_ELASTICSEARCH_AUTH', cause: error });
    case 'too-large':
      return new LockstepError(`${message}; lower bulkBytes`, { code: 'LS_ELASTICSEARCH_REQUEST_TOO_LARGE', cause: error });
    case 'rejected':
      return new LockstepError(message, { code: 'LS_ELASTICSEARCH_ERROR', retriable: false, cause: error });
  }
}
