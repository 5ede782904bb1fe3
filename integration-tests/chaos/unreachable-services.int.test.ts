import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLockstep } from '../support/lockstep-process';

/**
 * Issue 11, reproduction 6, with the real `lockstep run` process: a service that cannot be reached fails the pipeline
 * within `restart.startupDeadline` (5 s here) with one line naming the connector (type and id) and the address (a
 * Kafka broker on a closed port ran 1,984 s and printed 1,276 kafkajs lines; Postgres 282 s), a host that does not
 * resolve fails at once, and a start that hangs (a server that accepts connections and never answers) is cut at the
 * deadline instead of waiting for the client's own timeouts. The exit times are printed; the bound asserted is
 * generous (a loaded CI machine, tsx start-up included).
 */
const DEADLINE = '5s';
const BOUND_MS = 45_000;

/**
 * A TCP server that accepts connections and never answers (a service hung, or a proxy to nowhere): a client's connect
 * succeeds and its first request waits. Closed by the returned function.
 */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { port, close };
}

/** A TCP port nobody listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('unreachable services fail fast', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-unreachable-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** Runs the pipeline to its exit: the code, the time taken and the output. */
  async function run(name: string, source: string, sink: string): Promise<{ code: number | string; ms: number; text: string }> {
    const file = join(dir, 'pipeline.yaml');
    const log = join(dir, 'run.log');
    await writeFile(
      file,
      [
        `name: ${name}`,
        `checkpoint: { interval: 500ms, storage: "${join(dir, 'checkpoints')}" }`,
        `restart: { startupDeadline: ${DEADLINE} }`,
        `sources: [${source}]`,
        `sinks: [${sink}]`,
        '',
      ].join('\n'),
    );
    const startedAt = Date.now();
    const code = await startLockstep(['run', file], log).exited;
    const ms = Date.now() - startedAt;
    const text = await readFile(log, 'utf8');
    console.log(`${name}: exit ${code} after ${ms} ms; last line: ${text.trimEnd().split('\n').at(-1)}`);
    return { code, ms, text };
  }

  /** Lines logged by kafkajs itself (its namespace is in the JSON line). */
  const kafkajsLines = (text: string): number => text.split('\n').filter((line) => line.includes('"kafkajs"')).length;

  it('a Kafka source on a closed port: exit 1 within the deadline, one line naming the broker', async () => {
    const port = await closedPort();
    const { code, ms, text } = await run(
      'kafka-closed',
      `{ id: orders, type: kafka, brokers: ["localhost:${port}"], topics: [orders] }`,
      `{ id: out, type: file, path: "${join(dir, 'out')}" }`,
    );
    expect(code).toBe(1);
    // kafkajs retries a refused connect for ~9 s before it throws: the start is cut at the deadline, folding the
    // failed connects kafkajs made into the line (or, when its retries end first, the restarts stop at the deadline).
    expect(text).toMatch(
      new RegExp(
        `pipeline kafka-closed FAILED: kafka source 'orders'(: cannot reach localhost:${port} within restart.startupDeadline \\(5 s\\)| \\(localhost:${port}\\): ` +
          'still connecting after 5 s \\(restart.startupDeadline\\); cannot reach it: \\d+ failed connects, the last: Connection error: connect ECONNREFUSED)',
      ),
    );
    expect(kafkajsLines(text)).toBe(0);
    expect(text).not.toContain('Failed to connect to seed broker');
    expect(ms).toBeLessThan(BOUND_MS);
  }, 90_000);

  it('a Postgres sink on a closed port: exit 1 within the deadline, one line per restart naming the address', async () => {
    const port = await closedPort();
    const { code, ms, text } = await run(
      'postgres-closed',
      '{ id: gen, type: generator, count: 100 }',
      `{ id: db, type: postgres, url: "postgres://postgres@127.0.0.1:${port}/postgres", table: t }`,
    );
    expect(code).toBe(1);
    expect(text).toContain(`pipeline postgres-closed FAILED: postgres sink 'db': cannot reach 127.0.0.1:${port} within restart.startupDeadline (5 s): `);
    const restarts = text.split('\n').filter((line) => line.includes(`postgres sink 'db': cannot reach 127.0.0.1:${port}; restart `));
    console.log(`postgres-closed: ${restarts.length} restart lines`);
    expect(restarts.length).toBeGreaterThanOrEqual(1);
    expect(restarts.length).toBeLessThanOrEqual(5);
    expect(ms).toBeLessThan(BOUND_MS);
  }, 90_000);

  it('an Elasticsearch sink on a closed port: exit 1 within the deadline, naming the address', async () => {
    const port = await closedPort();
    const { code, ms, text } = await run(
      'elasticsearch-closed',
      '{ id: gen, type: generator, count: 100 }',
      `{ id: es, type: elasticsearch, node: "http://127.0.0.1:${port}", index: t }`,
    );
    expect(code).toBe(1);
    expect(text).toMatch(
      new RegExp(
        `pipeline elasticsearch-closed FAILED: elasticsearch sink 'es'(: cannot reach 127.0.0.1:${port} within restart.startupDeadline \\(5 s\\)| ` +
          `\\(http://127.0.0.1:${port}\\): still connecting after 5 s)`,
      ),
    );
    expect(ms).toBeLessThan(BOUND_MS);
  }, 90_000);

  it('an Elasticsearch node whose host does not resolve: exit 1 at once, naming the host', async () => {
    const { code, text } = await run(
      'elasticsearch-unknown-host',
      '{ id: gen, type: generator, count: 100 }',
      '{ id: es, type: elasticsearch, node: "http://no-such-host.invalid:9200", index: t }',
    );
    expect(code).toBe(1);
    expect(text).toMatch(/pipeline elasticsearch-unknown-host FAILED: elasticsearch sink 'es': host no-such-host\.invalid does not resolve/);
    expect(text).not.toMatch(/; restart \d+\//);
  }, 90_000);

  it('an unknown host: exit 1 at once (no restart), naming the host', async () => {
    const { code, ms, text } = await run(
      'unknown-host',
      '{ id: orders, type: kafka, brokers: ["no-such-host.invalid:9092"], topics: [orders] }',
      `{ id: out, type: file, path: "${join(dir, 'out')}" }`,
    );
    expect(code).toBe(1);
    expect(text).toMatch(/pipeline unknown-host FAILED: kafka source 'orders': host no-such-host\.invalid(:9092)? does not resolve/);
    expect(text).not.toMatch(/; restart \d+\//);
    expect(kafkajsLines(text)).toBe(0);
    expect(ms).toBeLessThan(BOUND_MS);
  }, 90_000);

  it('a Postgres sink whose server accepts but never answers: the start is cut at the deadline, naming the sink and its address', async () => {
    const server = await silentServer();
    try {
      const { code, ms, text } = await run(
        'postgres-silent',
        '{ id: gen, type: generator, count: 100 }',
        `{ id: db, type: postgres, url: "postgres://postgres@127.0.0.1:${server.port}/postgres", table: t }`,
      );
      expect(code).toBe(1);
      expect(text).toContain(
        `pipeline postgres-silent FAILED: postgres sink 'db' (postgres://postgres@127.0.0.1:${server.port}/postgres): still connecting after 5 s (restart.startupDeadline)`,
      );
      expect(ms).toBeLessThan(BOUND_MS);
    } finally {
      await server.close();
    }
  }, 90_000);

  it('a Kafka source whose broker accepts but never answers: the start is cut at the deadline, naming the source and its address', async () => {
    const server = await silentServer();
    try {
      const { code, ms, text } = await run(
        'kafka-silent',
        `{ id: orders, type: kafka, brokers: ["127.0.0.1:${server.port}"], topics: [orders] }`,
        `{ id: out, type: file, path: "${join(dir, 'out')}" }`,
      );
      expect(code).toBe(1);
      expect(text).toMatch(new RegExp(`pipeline kafka-silent FAILED: kafka source 'orders'.*(still connecting after 5 s|for 5 s) \\(restart.startupDeadline\\)`));
      expect(text).toContain(`127.0.0.1:${server.port}`);
      expect(kafkajsLines(text)).toBe(0);
      expect(ms).toBeLessThan(BOUND_MS);
    } finally {
      await server.close();
    }
  }, 90_000);
});
