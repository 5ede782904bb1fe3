import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, removeTempDir } from '../../core/testing';
import { globToRegExp, listInputFiles } from './file-listing';

describe('listInputFiles', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir('file-listing');
    for (const name of ['b.jsonl', 'a.json', 'c.jsonl', 'notes.txt', '.hidden.jsonl', 'B.jsonl', 'orders-2.jsonl']) {
      await writeFile(join(dir, name), '{}\n');
    }
    await mkdir(join(dir, 'sub.jsonl'));
  });
  afterEach(() => removeTempDir(dir));

  it('lists *.jsonl and *.json files of a folder in name order, without hidden files or folders', async () => {
    const names = (await listInputFiles(dir, undefined)).map((path) => path.slice(dir.length + 1));
    expect(names).toEqual(['B.jsonl', 'a.json', 'b.jsonl', 'c.jsonl', 'orders-2.jsonl']);
  });

  it('lists only what the pattern matches, following links to files', async () => {
    await symlink(join(dir, 'b.jsonl'), join(dir, 'orders-9.jsonl'));
    const names = (await listInputFiles(dir, 'orders-?.jsonl')).map((path) => path.slice(dir.length + 1));
    expect(names).toEqual(['orders-2.jsonl', 'orders-9.jsonl']);
  });

  it('returns a file path as it is, whatever its name', async () => {
    expect(await listInputFiles(join(dir, 'notes.txt'), undefined)).toEqual([join(dir, 'notes.txt')]);
  });

  it('refuses a pattern with a file path instead of ignoring it', async () => {
    await expect(listInputFiles(join(dir, 'notes.txt'), '*.jsonl')).rejects.toMatchObject({
      code: 'LS_CONFIG_INVALID',
      retriable: false,
      message: expect.stringContaining(`pattern "*.jsonl" picks files of a folder, but path ${join(dir, 'notes.txt')} is a file`),
    });
  });

  it('says LS_FILE_NOT_FOUND for a missing path', async () => {
    await expect(listInputFiles(join(dir, 'nope'), undefined)).rejects.toMatchObject({ code: 'LS_FILE_NOT_FOUND' });
  });

  it('treats regular-expression characters in patterns literally', () => {
    expect(globToRegExp('a+(1).jsonl').test('a+(1).jsonl')).toBe(true);
    expect(globToRegExp('a+(1).jsonl').test('aa(1)xjsonl')).toBe(false);
    expect(globToRegExp('*.jsonl').test('x.jsonl.bak')).toBe(false);
  });
});
