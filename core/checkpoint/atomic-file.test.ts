import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file';

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-atomic-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('replaces the file and leaves no temp file', async () => {
    await writeFileAtomic(join(dir, 'a.json'), '1');
    await writeFileAtomic(join(dir, 'a.json'), '2');
    expect(await readFile(join(dir, 'a.json'), 'utf8')).toBe('2');
    expect(await readdir(dir)).toEqual(['a.json']);
  });

  it('removes its temp file when the write fails', async () => {
    await mkdir(join(dir, 'a.json'));
    await writeFile(join(dir, 'a.json', 'inside'), 'x');
    await expect(writeFileAtomic(join(dir, 'a.json'), '1')).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['a.json']);
  });
});
