import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from '../env/local/free-port';

/**
 * A TCP proxy on a fixed port to the test database: `stop` closes it and cuts every connection (the database is
 * "stopped" for the pipeline behind it), `start` opens it again on the same port; `freeze` keeps the connections and
 * passes nothing more (the database hangs). Both of its sockets send at once (`setNoDelay`, as Postgres clients and
 * real proxies do): with Nagle's algorithm a client's second small write (COPY's CopyDone after its CopyData) waited
 * for the server's delayed ACK, 40 ms or more per statement, a slowness of this proxy and not of any real network.
 * `latencyMs` delays every chunk by that much in each direction (a network hop with a round trip of twice that).
 */
export class DatabaseSwitch {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly pairs = new Set<readonly [Socket, Socket]>();
  private frozen = false;
  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
    private readonly latencyMs = 0,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        socket.setNoDelay(true);
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      const pair = [client, upstream] as const;
      this.pairs.add(pair);
      client.on('close', () => this.pairs.delete(pair));
      if (this.frozen) hold(pair);
      else if (this.latencyMs > 0) {
        this.relay(client, upstream);
        this.relay(upstream, client);
      } else client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server?.listen(this.port, '127.0.0.1', resolve));
  }

  /** Passes what `from` sends to `to` `latencyMs` later, in order (timers of one delay fire in the order they were set). */
  private relay(from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      setTimeout(() => {
        if (!this.frozen && !to.destroyed) to.write(chunk);
      }, this.latencyMs);
    });
    from.on('end', () => setTimeout(() => to.end(), this.latencyMs));
  }

  /** Holds every byte in both directions (the database hangs: connections stay open, nothing answers). */
  freeze(): void {
    this.frozen = true;
    for (const pair of this.pairs) hold(pair);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.frozen = false;
    for (const socket of this.sockets) socket.destroy();
    this.pairs.clear();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Stops passing bytes between the two ends of a proxied connection, leaving it open. */
function hold([client, upstream]: readonly [Socket, Socket]): void {
  client.unpipe(upstream);
  upstream.unpipe(client);
  client.removeAllListeners('data');
  upstream.removeAllListeners('data');
  client.pause();
  upstream.pause();
}

/**
 * For the tests of the enclosing `describe`: a started switch in front of the Postgres at `url` on a free port, with
 * the URL that goes through it (`latencyMs` each way, see {@link DatabaseSwitch}); stopped after the test.
 */
export function useDatabaseSwitch(url: string): (latencyMs?: number) => Promise<{ readonly database: DatabaseSwitch; readonly url: string }> {
  let current: DatabaseSwitch | undefined;
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });
  return async (latencyMs = 0) => {
    const target = new URL(url);
    current = new DatabaseSwitch(await freePort(), { host: target.hostname, port: Number(target.port) }, latencyMs);
    await current.start();
    const proxied = new URL(url);
    proxied.port = String(current.port);
    return { database: current, url: proxied.toString() };
  };
}
