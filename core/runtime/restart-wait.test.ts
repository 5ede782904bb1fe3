import { createServer, type Server } from 'node:net';
import { probeTarget, waitBeforeRestart } from './restart-wait';

const restart = { maxAttempts: 10, initialBackoffMs: 200, maxBackoffMs: 60_000, jitter: 0 };
const never = new Promise<void>(() => undefined);

function refused(address: string, port: number): Error {
  return Object.assign(new Error('kafka sink cannot send'), {
    cause: Object.assign(new Error(`connect ECONNREFUSED ${address}:${port}`), { code: 'ECONNREFUSED', address, port }),
  });
}

/** A port nothing listens on yet: bound once to find it, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function listen(port: number): Promise<Server> {
  const server = createServer((socket) => socket.destroy());
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

describe('probeTarget', () => {
  it('is the host and port a failure could not reach', () => {
    expect(probeTarget(refused('127.0.0.1', 19092))).toEqual({ host: '127.0.0.1', port: 19092 });
    const kafkajs = Object.assign(new Error('Connection error'), { code: 'ECONNREFUSED', broker: 'broker-1:9092' });
    expect(probeTarget(kafkajs)).toEqual({ host: 'broker-1', port: 9092 });
    expect(probeTarget(refused('::1', 5432))).toEqual({ host: '::1', port: 5432 });
  });

  it('is undefined for other failures, unknown hosts and addresses without a port', () => {
    expect(probeTarget(new Error('boom'))).toBeUndefined();
    expect(probeTarget(Object.assign(new Error('getaddrinfo ENOTFOUND x.invalid'), { code: 'ENOTFOUND', hostname: 'x.invalid' }))).toBeUndefined();
    expect(probeTarget(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBeUndefined();
  });
});

describe('waitBeforeRestart', () => {
  it('ends once the unreachable address accepts connections, long before the backoff', async () => {
    const port = await closedPort();
    const started = Date.now();
    let server: Server | undefined;
    const opening = new Promise<void>((resolve) => setTimeout(() => void listen(port).then((s) => (server = s)).then(() => resolve()), 500));
    try {
      await waitBeforeRestart(refused('127.0.0.1', port), restart, 600_000, never);
      await opening;
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    } finally {
      await opening;
      server?.close();
    }
  }, 20_000);

  it('waits at least the initial backoff, even when the address answers at once', async () => {
    const server = await listen(0);
    const { port } = server.address() as { port: number };
    const started = Date.now();
    try {
      await waitBeforeRestart(refused('127.0.0.1', port), restart, 600_000, never);
      expect(Date.now() - started).toBeGreaterThanOrEqual(restart.initialBackoffMs - 5);
    } finally {
      server.close();
    }
  }, 20_000);

  it('waits the whole delay after other failures', async () => {
    const started = Date.now();
    await waitBeforeRestart(new Error('boom'), restart, 400, never);
    expect(Date.now() - started).toBeGreaterThanOrEqual(395);
  });

  it('ends when a stop is requested', async () => {
    const port = await closedPort();
    await waitBeforeRestart(refused('127.0.0.1', port), restart, 600_000, new Promise((resolve) => setTimeout(resolve, 100)));
  }, 20_000);
});
