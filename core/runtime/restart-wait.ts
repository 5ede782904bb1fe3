import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RestartConfig } from '../config/pipeline-config';
import { delayOrUntil } from '../sdk/delay';
import { unreachableIn } from '../sdk/unreachable';

/** How often the address a failure could not reach is tried while a restart waits. */
const PROBE_INTERVAL_MS = 250;
/** How long one probe may take to connect. */
const PROBE_TIMEOUT_MS = 1_000;

/**
 * Waits before a restart: `delayMs`, or until `stopRequested` settles. When the failure was a service that could not
 * be reached at `host:port`, the wait also ends once that address accepts a TCP connection again — though not before
 * `restart.initialBackoffMs` — so a pipeline comes back within a fraction of a second of its broker or database,
 * instead of sleeping out a backoff that grew during the outage. The restart still counts as one of `maxAttempts`.
 */
export async function waitBeforeRestart(
  error: unknown,
  restart: RestartConfig,
  delayMs: number,
  stopRequested: Promise<unknown>,
): Promise<void> {
  const target = probeTarget(error);
  if (target === undefined) {
    await delayOrUntil(delayMs, stopRequested);
    return;
  }
  const probing = new AbortController();
  try {
    const back = (async () => {
      await sleep(Math.min(delayMs, restart.initialBackoffMs), undefined, { signal: probing.signal });
      await untilAcceptingConnections(target, probing.signal);
    })().catch(() => new Promise<never>(() => undefined));
    await delayOrUntil(delayMs, stopRequested, back);
  } finally {
    probing.abort();
  }
}

interface ProbeTarget {
  readonly host: string;
  readonly port: number;
}

/** The `host:port` the failure could not reach (an unknown host or an address without a port is not probed). */
export function probeTarget(error: unknown): ProbeTarget | undefined {
  const unreachable = unreachableIn(error);
  if (unreachable === undefined || unreachable.unknownHost) return undefined;
  const match = /^\[?(.+?)\]?:(\d{1,5})$/.exec(unreachable.address);
  if (match === null) return undefined;
  const port = Number(match[2]);
  return port > 0 && port < 65_536 ? { host: match[1] as string, port } : undefined;
}

/** Resolves once `target` accepts a TCP connection, trying every {@link PROBE_INTERVAL_MS}; rejects when aborted. */
async function untilAcceptingConnections(target: ProbeTarget, signal: AbortSignal): Promise<void> {
  while (!(await acceptsConnections(target))) await sleep(PROBE_INTERVAL_MS, undefined, { signal });
}

function acceptsConnections(target: ProbeTarget): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port, timeout: PROBE_TIMEOUT_MS });
    const done = (accepted: boolean): void => {
      socket.destroy();
      resolve(accepted);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}
