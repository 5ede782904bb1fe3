import type { Client } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { LockstepError, retry } from '../../core/sdk';
import type { BulkAction } from './bulk-action';
import { bulkItemOutcome, type BulkItemOutcome, type BulkResponseItem } from './bulk-item-outcome';
import type { ResolvedElasticsearchSink } from './elasticsearch-sink-config';
import { classifyClientError, toElasticsearchError } from './error-mapping';

/** What a bulk round left to the writer: the refused actions with the server's reason, and counts. */
export interface BulkResult {
  readonly rejected: ReadonlyMap<BulkAction, { readonly status: number; readonly reason: string }>;
  readonly applied: number;
  readonly conflicts: number;
  readonly missingDeletes: number;
}

interface MutableResult {
  readonly rejected: Map<BulkAction, { readonly status: number; readonly reason: string }>;
  applied: number;
  conflicts: number;
  missingDeletes: number;
}

interface BulkResponse {
  readonly errors: boolean;
  readonly items: readonly BulkResponseItem[];
}

type SendOptions = Pick<ResolvedElasticsearchSink, 'bulkActions' | 'bulkBytes' | 'concurrency' | 'refresh' | 'requestTimeoutMs' | 'maxRetries'>;

/** Splits actions into requests of at most `bulkActions` actions and `bulkBytes` bytes (a larger action goes alone). */
export function chunkActions(actions: readonly BulkAction[], maxActions: number, maxBytes: number): BulkAction[][] {
  const chunks: BulkAction[][] = [];
  let current: BulkAction[] = [];
  let bytes = 0;
  for (const action of actions) {
    if (current.length > 0 && (current.length >= maxActions || bytes + action.bytes > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(action);
    bytes += action.bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Sends bulk actions and waits until Elasticsearch answered every one: requests of at most `bulkActions` /
 * `bulkBytes`, `concurrency` of them at once. Items failing with 429, 5xx or 408 — and whole requests that time out
 * or lose their connection — are sent again, only those, with backoff and jitter (the SDK's `retry`), up to
 * `maxRetries` times; then `LS_ELASTICSEARCH_CONNECTION`. 401/403 fail with `LS_ELASTICSEARCH_AUTH`.
 */
export class BulkSender {
  constructor(
    private readonly client: Client,
    private readonly options: SendOptions,
    private readonly log: Logger,
    private readonly closed: Promise<unknown>,
  ) {}

  async send(actions: readonly BulkAction[]): Promise<BulkResult> {
    const result: MutableResult = { rejected: new Map(), applied: 0, conflicts: 0, missingDeletes: 0 };
    const chunks = chunkActions(actions, this.options.bulkActions, this.options.bulkBytes);
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < chunks.length) {
        const chunk = chunks[next++] as BulkAction[];
        await this.sendChunk(chunk, result);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, chunks.length) }, lane));
    return result;
  }

  private async sendChunk(chunk: readonly BulkAction[], result: MutableResult): Promise<void> {
    let pending = chunk;
    await retry(
      async () => {
        const outcomes = await this.request(pending);
        const failed: BulkAction[] = [];
        let lastReason = '';
        pending.forEach((action, i) => {
          const outcome = outcomes[i] as BulkItemOutcome;
          switch (outcome.kind) {
            case 'applied':
              result.applied += 1;
              return;
            case 'conflict':
              result.conflicts += 1;
              return;
            case 'missing':
              result.missingDeletes += 1;
              return;
            case 'rejected':
              result.rejected.set(action, { status: outcome.status, reason: outcome.reason });
              return;
            case 'auth':
              throw new LockstepError(`elasticsearch: writing to index ${action.index} refused (HTTP ${outcome.status}): ${outcome.reason}`, {
                code: 'LS_ELASTICSEARCH_AUTH',
              });
            case 'retry':
              failed.push(action);
              lastReason = `HTTP ${outcome.status}: ${outcome.reason}`;
          }
        });
        pending = failed;
        if (failed.length > 0) {
          throw new LockstepError(`elasticsearch: ${failed.length} bulk item(s) still failing after retries (last: ${lastReason})`, {
            code: 'LS_ELASTICSEARCH_CONNECTION',
          });
        }
      },
      {
        maxAttempts: this.options.maxRetries + 1,
        until: this.closed,
        onRetry: (error, attempt, delayMs) =>
          this.log.warn({ attempt, delayMs, items: pending.length, error: (error as Error).message }, 'elasticsearch bulk items retried'),
      },
    );
  }

  /** One _bulk request; its answer per action. A retriable whole-request failure is thrown as retriable. */
  private async request(actions: readonly BulkAction[]): Promise<BulkItemOutcome[]> {
    let response: BulkResponse;
    try {
      response = await this.client.transport.request<BulkResponse>(
        { method: 'POST', path: '/_bulk', querystring: { refresh: this.options.refresh }, bulkBody: actions.map((action) => action.body).join('') },
        { requestTimeout: this.options.requestTimeoutMs, maxRetries: 0 },
      );
    } catch (error) {
      const mapped = toElasticsearchError(error, `a _bulk request of ${actions.length} action(s)`);
      if (classifyClientError(error) === 'retry') throw mapped;
      throw new LockstepError(mapped.message, { code: mapped.code, retriable: false, cause: error });
    }
    if (!Array.isArray(response.items) || response.items.length !== actions.length) {
      throw new LockstepError(`elasticsearch: a _bulk response has ${String(response.items?.length)} items for ${actions.length} actions`, {
        code: 'LS_ELASTICSEARCH_ERROR',
        retriable: true,
      });
    }
    return actions.map((action, i) => bulkItemOutcome(action, response.items[i]));
  }
}
