import { request } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { externalProvider } from './external-provider';
import { localProvider } from './local-provider';
import { SERVICE_NAMES, type ServiceName, type ServiceProvider } from './service-provider';
import { testcontainersProvider } from './testcontainers-provider';

const PROVIDERS: Record<string, ServiceProvider> = {
  testcontainers: testcontainersProvider,
  local: localProvider,
  external: externalProvider,
};

/** Where jars, compiled launchers and template data dirs are cached: `LOCKSTEP_CACHE_DIR` or `~/.cache/lockstep`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LOCKSTEP_CACHE_DIR ?? join(homedir(), '.cache', 'lockstep');
}

/** The services to start: `LOCKSTEP_TEST_SERVICES_ONLY=kafka,postgres` narrows the default of all of them. */
export function requestedServices(env: NodeJS.ProcessEnv = process.env): ServiceName[] {
  const only = env.LOCKSTEP_TEST_SERVICES_ONLY;
  if (only === undefined || only.trim() === '') return [...SERVICE_NAMES];
  const names = only.split(',').map((name) => name.trim()).filter((name) => name !== '');
  for (const name of names) {
    if (!(SERVICE_NAMES as readonly string[]).includes(name)) {
      throw new Error(`LOCKSTEP_TEST_SERVICES_ONLY: unknown service '${name}' (expected ${SERVICE_NAMES.join(', ')})`);
    }
  }
  return names as ServiceName[];
}

/**
 * `LOCKSTEP_TEST_SERVICES` picks the provider (`testcontainers` | `local` | `external`); unset, it is
 * `testcontainers` when a Docker engine answers and `local` otherwise.
 */
export async function chooseProvider(env: NodeJS.ProcessEnv = process.env): Promise<ServiceProvider> {
  const wanted = env.LOCKSTEP_TEST_SERVICES?.trim();
  if (wanted !== undefined && wanted !== '') {
    const provider = PROVIDERS[wanted];
    if (provider === undefined) {
      throw new Error(`LOCKSTEP_TEST_SERVICES='${wanted}' is not a provider (expected testcontainers, local or external)`);
    }
    return provider;
  }
  return (await dockerEngineAnswers(env)) ? testcontainersProvider : localProvider;
}

/** True when a Docker engine answers `GET /_ping` on DOCKER_HOST (unix or tcp) or /var/run/docker.sock. */
export function dockerEngineAnswers(env: NodeJS.ProcessEnv = process.env, timeoutMs = 1500): Promise<boolean> {
  const host = env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  const target = host.startsWith('unix://')
    ? { socketPath: host.slice('unix://'.length) }
    : (() => {
        const url = new URL(host.replace(/^tcp:/, 'http:'));
        return { host: url.hostname, port: Number(url.port || 2375) };
      })();
  return new Promise((resolve) => {
    const req = request({ ...target, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
