import { resolve } from 'node:path';
import { parseServeArguments } from './serve-command';

describe('lockstep serve arguments', () => {
  it('defaults to 127.0.0.1:8083, .lockstep/service, 1 MiB bodies and no token', () => {
    expect(parseServeArguments([], {})).toEqual({
      port: 8083,
      host: '127.0.0.1',
      stateDir: resolve('.lockstep/service'),
      bodyLimit: 1_048_576,
      plugins: [],
      apiWritesConfigDir: false,
      shutdownDeadlineMs: 60_000,
    });
  });

  it('takes every option, and the token from LOCKSTEP_TOKEN unless --token is given', () => {
    const options = parseServeArguments(
      ['--port', '0', '--host', '0.0.0.0', '--config-dir', 'conf', '--state-dir', 'st', '--max-body', '4096', '--plugin', 'a', '--plugin', 'b', '--api-writes-config-dir'],
      { LOCKSTEP_TOKEN: 'from-the-environment' },
    );
    expect(options).toMatchObject({ port: 0, host: '0.0.0.0', configDir: resolve('conf'), stateDir: resolve('st'), bodyLimit: 4096, plugins: ['a', 'b'], apiWritesConfigDir: true, token: 'from-the-environment' });
    expect(parseServeArguments(['--token', 'given-on-the-line'], { LOCKSTEP_TOKEN: 'from-the-environment' }).token).toBe('given-on-the-line');
  });

  it.each([
    [['--port', 'http'], '--port must be an integer from 0 to 65535'],
    [['--max-body', '10'], '--max-body must be an integer'],
    [['--token', 'short'], 'at least 8 characters'],
    [['--verbose'], "Unknown option '--verbose'"],
    [['extra'], 'extra'],
  ])('refuses %j naming the problem and the usage (LS_CLI_USAGE)', (argv, message) => {
    expect(() => parseServeArguments(argv, {})).toThrow(expect.objectContaining({ code: 'LS_CLI_USAGE', message: expect.stringContaining(message) }));
    expect(() => parseServeArguments(argv, {})).toThrow(/usage: lockstep serve/);
  });
});
