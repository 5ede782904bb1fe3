import { PassThrough } from 'node:stream';
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
});
