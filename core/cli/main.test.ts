import { PassThrough } from 'node:stream';
import { EXIT, runCli } from './main';

function capture(argv: string[]): { code: number; out: string; err: string } {
  const out = new PassThrough();
  const err = new PassThrough();
  const code = runCli(argv, out, err);
  return { code, out: String(out.read() ?? ''), err: String(err.read() ?? '') };
}

describe('lockstep CLI', () => {
  it('prints help with exit 0', () => {
    const result = capture(['--help']);
    expect(result.code).toBe(EXIT.ok);
    expect(result.out).toContain('Usage:');
  });

  it('prints the package version', () => {
    expect(capture(['--version']).out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('rejects an unknown command with exit 2 and names it', () => {
    const result = capture(['frobnicate']);
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toContain("unknown command 'frobnicate'");
  });
});
