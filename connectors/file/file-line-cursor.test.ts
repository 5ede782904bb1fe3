import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { makeTempDir, removeTempDir } from '../../core/testing';
import { FileLineCursor, type FileLine } from './file-line-cursor';

// a full garbage collection on demand, to measure what the cursor keeps alive rather than what the GC has not freed yet
setFlagsFromString('--expose_gc');
const collectGarbage = runInNewContext('gc') as () => void;

async function readAll(cursor: FileLineCursor, max = 3): Promise<FileLine[]> {
  const all: FileLine[] = [];
  for (let lines = await cursor.readLines(max); lines.length > 0; lines = await cursor.readLines(max)) {
    all.push(...lines);
  }
  return all;
}

describe('FileLineCursor', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir('line-cursor');
  });
  afterEach(() => removeTempDir(dir));

  it('splits lines across chunks, drops CR, BOM and blank lines, keeps a last line without newline', async () => {
    const path = join(dir, 'in.jsonl');
    const long = 'x'.repeat(50);
    await writeFile(path, `\uFEFF{"a":1}\r\n\n  \n{"é":"ü"}\n${long}\nlast`);
    const cursor = await FileLineCursor.open(path, 0, 0, 4);
    expect(await readAll(cursor)).toEqual([
      { text: '{"a":1}', line: 1 },
      { text: '{"é":"ü"}', line: 4 },
      { text: long, line: 5 },
      { text: 'last', line: 6 },
    ]);
    await cursor.close();
  });

  it('resumes exactly after the last line returned, from its offset and line number', async () => {
    const path = join(dir, 'in.jsonl');
    const lines = Array.from({ length: 40 }, (_, i) => `{"id":${i},"pad":"${'é'.repeat(i % 7)}"}`);
    await writeFile(path, `${lines.join('\n')}\n`);
    const first = await FileLineCursor.open(path, 0, 0, 16);
    const head = [...(await first.readLines(5)), ...(await first.readLines(8))];
    const { offset, line } = first;
    await first.close();
    const second = await FileLineCursor.open(path, offset, line, 16);
    const tail = await readAll(second, 7);
    await second.close();
    expect([...head, ...tail].map((entry) => entry.text)).toEqual(lines);
    expect(tail[0]?.line).toBe(14);
  });

  it('refuses to resume in a file that became shorter than the checkpointed offset', async () => {
    const path = join(dir, 'in.jsonl');
    await writeFile(path, '{"id":1}\n{"id":2}\n');
    await truncate(path, 5);
    await expect(FileLineCursor.open(path, 9, 1, 16)).rejects.toMatchObject({ code: 'LS_FILE_CHANGED' });
  });

  it('reads a large file with flat memory, a chunk at a time', async () => {
    const path = join(dir, 'big.jsonl');
    const line = `{"id":0,"pad":"${'y'.repeat(180)}"}\n`;
    const block = line.repeat(5000);
    for (let i = 0; i < 24; i += 1) await writeFile(path, block, { flag: 'a' }); // ~24 MB
    const cursor = await FileLineCursor.open(path, 0, 0, 64 * 1024);
    const live = (): number => {
      // only what is still referenced counts: chunks already read are garbage the GC frees when it likes
      collectGarbage();
      return process.memoryUsage().arrayBuffers;
    };
    const baseline = live();
    let peak = 0;
    let count = 0;
    for (let lines = await cursor.readLines(1000); lines.length > 0; lines = await cursor.readLines(1000)) {
      count += lines.length;
      if (count % 10_000 === 0) peak = Math.max(peak, live() - baseline);
    }
    await cursor.close();
    expect(count).toBe(120_000);
    // the whole file is 24 MB; reading it must hold only a few chunks of it (the bound leaves room for other
    // buffers alive in the test process on a busy machine, far below what buffering the file would take)
    expect(peak).toBeLessThan(8 * 1024 * 1024);
  });
});
