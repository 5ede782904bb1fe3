import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceName } from './service-provider';
import { SERVICES_CONTROL_ENV_VAR, type ServiceAction } from './supervisor-protocol';

/**
 * Fault injection on the test services, for crash and chaos tests: the supervisor kills a service (SIGKILL of its
 * whole process group: no clean shutdown, like a crash of its machine) and starts it again on the same port with the
 * same data. Only the local provider can (`LOCKSTEP_TEST_SERVICES=local`, what CI uses); with another provider the
 * calls fail with a message saying so.
 */

/** Kills `name` as a crash would; resolves once its process is gone (its port then refuses connections). */
export function killService(name: ServiceName): Promise<{ readonly ms: number }> {
  return control(name, 'kill');
}

/** Starts a killed `name` again (same port, same data dir); resolves once it answers clients. */
export function startService(name: ServiceName): Promise<{ readonly ms: number }> {
  return control(name, 'start');
}

/** How long a restart took: the service was unreachable for `downMs`, of which `startMs` were its own start-up. */
export interface ServiceRestart {
  readonly downMs: number;
  readonly startMs: number;
}

/** {@link killService}, `downForMs` of nothing, then {@link startService}. */
export async function restartService(name: ServiceName, options: { downForMs?: number } = {}): Promise<ServiceRestart> {
  await killService(name);
  const killedAt = Date.now();
  if ((options.downForMs ?? 0) > 0) await sleep(options.downForMs);
  const { ms } = await startService(name);
  return { downMs: Date.now() - killedAt, startMs: ms };
}

function control(name: ServiceName, action: ServiceAction): Promise<{ ms: number }> {
  const socketPath = process.env[SERVICES_CONTROL_ENV_VAR];
  if (socketPath === undefined || socketPath === '') {
    return Promise.reject(
      new Error(`${SERVICES_CONTROL_ENV_VAR} is not set: services can be killed and started only under the supervisor (jest's global setup)`),
    );
  }
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: `/services/${name}/${action}`, method: 'POST' }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { ms?: number; message?: string };
        if (response.statusCode === 200) resolve({ ms: body.ms ?? 0 });
        else reject(new Error(`could not ${action} ${name}: ${body.message ?? `status ${String(response.statusCode)}`}`));
      });
      response.on('error', reject);
    });
    req.on('error', (error) => reject(new Error(`could not ${action} ${name}: supervisor unreachable at ${socketPath}: ${error.message}`)));
    req.end();
  });
}
