/**
 * Recognises a failure to reach a service (a refused or timed-out connection, a host name that does not resolve) in an
 * error's cause chain, whatever the client: Node's socket errors (`code`, `address`/`port`, `hostname`), kafkajs'
 * `KafkaJSConnectionError` (`broker`, `code`), node-postgres (Node's errors as they are). Follows `cause` and kafkajs'
 * `originalError`.
 */

/** Node error codes of a service that cannot be reached at an address. */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN']);
/** Node error codes of a host name that does not resolve. */
const UNKNOWN_HOST_CODES: ReadonlySet<string> = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME']);

export interface Unreachable {
  /** `host:port` (or the host name) that could not be reached. */
  readonly address: string;
  /** The host name does not resolve: retrying cannot help. */
  readonly unknownHost: boolean;
  /** The outermost message of the chain: says what failed (`kafka source cannot discover partitions: …`). */
  readonly message: string;
}

interface ErrorShape {
  readonly code?: unknown;
  readonly address?: unknown;
  readonly port?: unknown;
  readonly hostname?: unknown;
  readonly broker?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
  readonly originalError?: unknown;
  readonly errors?: unknown;
}

/** The unreachable address in `error`'s cause chain, or undefined when the failure is of another kind. */
export function unreachableIn(error: unknown): Unreachable | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const found = search(error, new Set());
  return found && { ...found, message };
}

function search(error: unknown, seen: Set<unknown>): Omit<Unreachable, 'message'> | undefined {
  if (typeof error !== 'object' || error === null || seen.has(error)) return undefined;
  seen.add(error);
  const shape = error as ErrorShape;
  const own = addressOf(shape);
  if (own !== undefined) return own;
  const nested = Array.isArray(shape.errors) ? shape.errors : [];
  for (const next of [shape.cause, shape.originalError, ...nested]) {
    const found = search(next, seen);
    if (found !== undefined) return found;
  }
  return undefined;
}

function addressOf(shape: ErrorShape): Omit<Unreachable, 'message'> | undefined {
  const code = typeof shape.code === 'string' ? shape.code : undefined;
  if (code === undefined) return undefined;
  if (UNKNOWN_HOST_CODES.has(code)) {
    const host = typeof shape.hostname === 'string' ? shape.hostname : hostIn(shape);
    return { address: host ?? 'an unknown host', unknownHost: true };
  }
  if (!UNREACHABLE_CODES.has(code)) return undefined;
  if (typeof shape.broker === 'string') return { address: shape.broker, unknownHost: false };
  if (typeof shape.address === 'string') {
    return { address: typeof shape.port === 'number' ? `${shape.address}:${shape.port}` : shape.address, unknownHost: false };
  }
  return { address: hostIn(shape) ?? 'the service', unknownHost: false };
}

/** kafkajs' connection errors name the broker (`host:port`); node's carry the host in the message (`getaddrinfo ENOTFOUND h`). */
function hostIn(shape: ErrorShape): string | undefined {
  if (typeof shape.broker === 'string') return shape.broker;
  const message = typeof shape.message === 'string' ? shape.message : '';
  return /(?:ENOTFOUND|EAI_AGAIN|EAI_NONAME|ECONNREFUSED|ETIMEDOUT) (\S+)/.exec(message)?.[1];
}
