import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../env/local/free-port';
import { startLockstep, type LockstepProcess } from '../support/lockstep-process';

/** An HTTP answer of the service: status, parsed JSON body (or text), headers. */
export interface ServiceReply<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly text: string;
  readonly headers: Headers;
}

/** A `lockstep serve` child process on a free port, and a small client of its API. */
export interface ServiceUnderTest {
  readonly process: LockstepProcess;
  readonly url: string;
  readonly port: number;
  /** Calls the API with the service's token (unless `headers` set `authorization`). */
  call<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ServiceReply<T>>;
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | string>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<number | string>;
}

export interface StartServiceOptions {
  readonly stateDir: string;
  readonly configDir?: string;
  readonly token?: string;
  readonly port?: number;
  readonly extraArgs?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

/** Starts `lockstep serve` (through tsx, as the CLI tests do) and waits until /healthz answers. */
export async function startService(options: StartServiceOptions): Promise<ServiceUnderTest> {
  const port = options.port ?? (await freePort());
  const args = [
    'serve',
    '--port',
    String(port),
    '--state-dir',
    options.stateDir,
    ...(options.configDir === undefined ? [] : ['--config-dir', options.configDir]),
    ...(options.token === undefined ? [] : ['--token', options.token]),
    ...(options.extraArgs ?? []),
  ];
  const process = startLockstep(args, join(options.stateDir, '..', `serve-${port}.log`), options.env);
  const url = `http://127.0.0.1:${port}`;
  const call = async <T,>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ServiceReply<T>> => {
    const auth: Record<string, string> = options.token === undefined ? {} : { authorization: `Bearer ${options.token}` };
    const json: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { ...auth, ...json, ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (/metrics)
    }
    return { status: response.status, body: parsed as T, text, headers: response.headers };
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    const up = await fetch(`${url}/healthz`).then((response) => response.ok, () => false);
    if (up) break;
    const exited = await Promise.race([process.exited, sleep(200).then(() => undefined)]);
    if (exited !== undefined) throw new Error(`lockstep serve exited (${exited}) before answering; see ${options.stateDir}/../serve-${port}.log`);
    if (Date.now() > deadline) throw new Error(`lockstep serve did not answer /healthz on ${url} within 60 s`);
  }
  return {
    process,
    url,
    port,
    call,
    stop: () => {
      process.child.kill('SIGTERM');
      return process.exited;
    },
    kill: () => {
      process.child.kill('SIGKILL');
      return process.exited;
    },
  };
}

/** A pipeline's status as GET /pipelines/{name}/status answers it (the fields the tests read). */
export interface PipelineStatus {
  readonly name: string;
  readonly state: string;
  readonly restarts: { readonly engine: number; readonly service: number; readonly total: number };
  readonly nextRestartAt: string | null;
  readonly lastError: { readonly message: string; readonly code?: string } | null;
  readonly lastCheckpoint: { readonly id: number } | null;
  readonly records: { readonly in: number; readonly out: number };
  readonly tasks: readonly { readonly id: string; readonly state: string }[];
}

/** Polls the status of `name` until `done` accepts it or `timeoutMs` passes; returns the last status. */
export async function waitForStatus(
  service: ServiceUnderTest,
  name: string,
  done: (status: PipelineStatus) => boolean,
  timeoutMs = 60_000,
): Promise<PipelineStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reply = await service.call<PipelineStatus>('GET', `/pipelines/${name}/status`);
    if (reply.status === 200 && done(reply.body)) return reply.body;
    if (Date.now() > deadline) return reply.body;
    await sleep(200);
  }
}

/**
 * `startService` for the tests of the enclosing `describe`: every service a test started is SIGKILLed after it (a
 * service that already exited is left as it is).
 */
export function useServices(): (options: StartServiceOptions) => Promise<ServiceUnderTest> {
  const started: ServiceUnderTest[] = [];
  afterEach(async () => {
    for (const service of started.splice(0)) await service.kill();
  });
  return async (options) => {
    const service = await startService(options);
    started.push(service);
    return service;
  };
}
