import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { SERVICE_NAMES, type RunningServices, type ServiceName } from './service-provider';
import { SERVICE_ACTIONS, type ServiceAction } from './supervisor-protocol';

/**
 * The supervisor's control server: HTTP on a unix socket, `POST /services/<name>/kill` and `POST
 * /services/<name>/start`, answered once the action is done (`{ "ms": … }`) or with status 500 and `{ "message": … }`.
 * The client side is `service-control.ts`.
 */
export async function serveServiceControl(running: RunningServices, socketPath: string): Promise<Server> {
  const server = createServer((request, response) => void handle(running, request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  server.unref();
  return server;
}

async function handle(running: RunningServices, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const answer = (status: number, body: object): void => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const match = /^\/services\/([a-z0-9]+)\/([a-z]+)$/.exec(request.url ?? '');
  const name = match?.[1] as ServiceName | undefined;
  const action = match?.[2] as ServiceAction | undefined;
  request.resume();
  if (request.method !== 'POST' || name === undefined || action === undefined) {
    answer(404, { message: `unknown request ${request.method ?? '?'} ${request.url ?? '?'}` });
    return;
  }
  if (!SERVICE_NAMES.includes(name) || !SERVICE_ACTIONS.includes(action)) {
    answer(404, { message: `unknown service or action: ${name} ${action}` });
    return;
  }
  const faults = running.faults(name);
  if (faults === undefined) {
    answer(501, { message: `${running.services.provider} provider cannot ${action} ${name} (not running, or not a local process)` });
    return;
  }
  const startedAt = Date.now();
  try {
    await (action === 'kill' ? faults.kill() : faults.start());
    answer(200, { ms: Date.now() - startedAt });
  } catch (error) {
    answer(500, { message: error instanceof Error ? error.message : String(error) });
  }
}
