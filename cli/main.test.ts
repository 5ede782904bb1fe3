import { PassThrough } from 'node:stream';
import type { Command } from './command';
import { COMMANDS } from './commands';
import { EXIT, runCli } from './main';

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough() as unknown as NodeJS.WriteStream;
  const code = await runCli(argv, out, err);
  return { code, out: String(out.read() ?? ''), err: String((err as unknown as PassThrough).read() ?? '') };
}

describe('lockstep CLI', () => {
  it('prints help with exit 0', async () => {
    const result = await capture(['--help']);
    expect(result.code).toBe(EXIT.ok);
    expect(result.out).toContain('Usage:');
  });

  it('prints the package version', async () => {
    expect((await capture(['--version'])).out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('rejects an unknown command with exit 2 and names it', async () => {
    const result = await capture(['frobnicate']);
    expect(result.code).toBe(EXIT.invalid);
    expect(result.err).toContain("unknown command 'frobnicate'");
  });

  it('lists every command of the table in --help, and shows one command with help <command>', async () => {
    const result = await capture(['--help']);
    for (const command of COMMANDS) expect(result.out).toContain(`lockstep ${command.name} `);
    expect((await capture(['help', 'verify'])).out).toContain('Usage: lockstep verify <file> [options]');
  });

  it('takes a new command as one table entry: parsed, with --help, usage errors and its exit code', async () => {
    const hello: Command = {
      name: 'hello',
      summary: 'say hello',
      positionals: ['who?'],
      options: { loud: { type: 'boolean', description: 'shout' } },
      execute: async (args, io) => {
        io.out.write(`hello ${args.positionals[0] ?? 'world'}${args.values.loud === true ? '!' : ''}\n`);
        return EXIT.ok;
      },
    };
    const run = async (argv: string[]) => {
      const out = new PassThrough();
      const err = new PassThrough();
      const code = await runCli(argv, out, err, {}, [...COMMANDS, hello]);
      return { code, out: String(out.read() ?? ''), err: String(err.read() ?? '') };
    };
    expect(await run(['hello', 'you', '--loud'])).toEqual({ code: 0, out: 'hello you!\n', err: '' });
    expect((await run(['hello', '--help'])).out).toContain('Usage: lockstep hello [who] [options]');
    expect(await run(['hello', '--loud=yes'])).toMatchObject({ code: EXIT.invalid, err: expect.stringContaining('--loud takes no value') });
  });
});
