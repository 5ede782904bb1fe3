import { chooseProvider, dockerEngineAnswers, requestedServices } from './choose-provider';

describe('chooseProvider', () => {
  it('takes the provider named by LOCKSTEP_TEST_SERVICES', async () => {
    expect((await chooseProvider({ LOCKSTEP_TEST_SERVICES: 'local' })).name).toBe('local');
    expect((await chooseProvider({ LOCKSTEP_TEST_SERVICES: 'external' })).name).toBe('external');
    expect((await chooseProvider({ LOCKSTEP_TEST_SERVICES: 'testcontainers' })).name).toBe('testcontainers');
  });

  it('rejects an unknown provider by name', async () => {
    await expect(chooseProvider({ LOCKSTEP_TEST_SERVICES: 'podman' })).rejects.toThrow(/'podman' is not a provider/);
  });

  it('falls back to local when no Docker engine answers', async () => {
    const env = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
    expect(await dockerEngineAnswers(env)).toBe(false);
    expect((await chooseProvider(env)).name).toBe('local');
  });
});

describe('requestedServices', () => {
  it('defaults to all five and narrows on request', () => {
    expect(requestedServices({})).toEqual(['kafka', 'kafka3', 'postgres', 'elasticsearch', 'kinesis']);
    expect(requestedServices({ LOCKSTEP_TEST_SERVICES_ONLY: 'postgres, kafka' })).toEqual(['postgres', 'kafka']);
  });

  it('names an unknown service', () => {
    expect(() => requestedServices({ LOCKSTEP_TEST_SERVICES_ONLY: 'redis' })).toThrow(/unknown service 'redis'/);
  });
});
