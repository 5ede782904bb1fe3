import type { BulkAction } from './bulk-action';
import { classifyStatus, serverReason } from './error-mapping';

/**
 * What one bulk item's answer means:
 * - `applied`: written (2xx);
 * - `conflict`: a 409 of an external-version write or a `create` of an existing id: an equal or newer version (or
 *   the document itself, written before a replay) is already there, so the action's effect is in place;
 * - `missing`: a delete of a document that is not there (404): the effect is in place too;
 * - `retry`: 429, 5xx or 408: send this item again;
 * - `auth`: 401 or 403;
 * - `rejected`: the document is refused (400 mapping or parse error, invalid index name…), with the server's reason.
 */
export type BulkItemOutcome =
  | { readonly kind: 'applied' | 'conflict' | 'missing' }
  | { readonly kind: 'retry' | 'auth' | 'rejected'; readonly status: number; readonly reason: string };

/** One item of a _bulk response, as `{ <operation>: { status, error?, result? } }`. */
export type BulkResponseItem = Readonly<Record<string, { readonly status: number; readonly error?: unknown; readonly result?: string } | undefined>>;

/** The outcome of `action` from its item of the response. */
export function bulkItemOutcome(action: BulkAction, item: BulkResponseItem | undefined): BulkItemOutcome {
  const answer = item?.[action.operation];
  if (answer === undefined) return { kind: 'retry', status: 0, reason: 'the bulk response has no item for this action' };
  const { status } = answer;
  if (status >= 200 && status < 300) return { kind: 'applied' };
  if (status === 409 && (action.externalVersion || action.operation === 'create')) return { kind: 'conflict' };
  if (status === 404 && action.operation === 'delete' && answer.error === undefined) return { kind: 'missing' };
  const reason = serverReason(answer) ?? `HTTP ${status}`;
  const failure = classifyStatus(status);
  return { kind: failure === 'too-large' ? 'rejected' : failure, status, reason };
}
