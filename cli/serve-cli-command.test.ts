import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { serveOptions, type ServeOptions } from '../service/serve-options';
import { parseCommandArguments } from './arguments';
import { serveCliCommand } from './serve-cli-command';

/** `lockstep serve ARGV` up to the options the service starts with. */
const options = (argv: readonly string[], env: NodeJS.ProcessEnv = {}): ServeOptions => serveOptions(parseCommandArguments(serveCliCommand, argv).values, env);

describe('lockstep serve arguments', () => {
  it('defaults to 127.0.0.1:8083, .lockstep/service, 1 MiB bodies and no token', () => {
    expect(options([])).toEqual({
      port: 8083,
      host: '127.0.0.1',
      stateDir: resolve('.lockstep/service'),
      bodyLimit: 1_048_576,
      plugins: [],
      apiWritesConfigDir: false,
      shutdownDeadlineMs: 60_000,
    });
  });

  it('takes every option, also as --opt=value, and the token from LOCKSTEP_TOKEN unless --token is given', () => {
    const given = options(
      ['--port=0', '--host', '0.0.0.0', '--config-dir', 'conf', '--state-dir', 'st', '--max-body', '4096', '--plugin', 'a', '--plugin', 'b', '--api-writes-config-dir', '--shutdown-deadline', '5'],
      { LOCKSTEP_TOKEN: 'from-the-environment' },
    );
    expect(given).toEqual({
      port: 0,
      host: '0.0.0.0',
      configDir: resolve('conf'),
      stateDir: resolve('st'),
      bodyLimit: 4096,
      plugins: ['a', 'b'],
      apiWritesConfigDir: true,
      token: 'from-the-environment',
      shutdownDeadlineMs: 5_000,
    });
    expect(options(['--token', 'given-on-the-line'], { LOCKSTEP_TOKEN: 'from-the-environment' }).token).toBe('given-on-the-line');
  });

  it.each([
    [['--port', 'http'], '--port must be an integer from 0 to 65535'],
    [['--max-body', '10'], '--max-body must be an integer'],
    [['--shutdown-deadline', '0'], '--shutdown-deadline must be an integer from 1'],
    [['--token', 'short'], 'at least 8 characters'],
    [['--nope'], 'unknown option --nope'],
    [['--port'], '--port needs a value'],
    [['extra'], 'unexpected argument extra'],
  ])('refuses %j naming the problem and the usage (LS_CLI_USAGE), before any server starts', async (argv, message) => {
    const refusal = expect.objectContaining({ code: 'LS_CLI_USAGE', message: expect.stringMatching(/usage: lockstep serve/) });
    const run = async (): Promise<number> => {
      const io = { out: new PassThrough(), err: new PassThrough(), env: {} };
      return serveCliCommand.execute(parseCommandArguments(serveCliCommand, argv), io);
    };
    await expect(run()).rejects.toEqual(refusal);
    await expect(run()).rejects.toThrow(message);
  });
});
