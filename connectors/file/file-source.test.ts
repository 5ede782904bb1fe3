import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LockstepRecord, SourceReader } from '../../core/sdk';
import { configSchemaCheck, makeTempDir, removeTempDir, testInitContext, testPluginContext, validatedConfig } from '../../core/testing';
import { FileSource } from './file-source';
import { fileSourcePlugin } from './file-source-plugin';
import type { FileSplit } from './file-split';
import { FileSplitEnumerator } from './file-split-enumerator';

async function readAll(reader: SourceReader<FileSplit>): Promise<LockstepRecord[]> {
  const all: LockstepRecord[] = [];
  for (;;) {
    const result = await reader.pollNext(2);
    if (result.status !== 'records') return all;
    all.push(...result.records);
  }
}

describe('file source', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir('file-source');
  });
  afterEach(() => removeTempDir(dir));

  it('reads each line as a string value with its file and line as origin', async () => {
    await writeFile(join(dir, 'a.jsonl'), '{"id":1}\n\n{"id":2}\n');
    const source = new FileSource(validatedConfig(fileSourcePlugin, { path: 'a.jsonl' }), dir);
    const reader = source.createReader(testInitContext());
    reader.addSplits([{ splitId: join(dir, 'a.jsonl'), path: join(dir, 'a.jsonl'), offset: 0, line: 0 }]);
    reader.notifyNoMoreSplits();
    expect(await readAll(reader)).toEqual([
      { value: '{"id":1}', origin: `${join(dir, 'a.jsonl')}:1` },
      { value: '{"id":2}', origin: `${join(dir, 'a.jsonl')}:3` },
    ]);
    expect(await reader.pollNext(10)).toEqual({ status: 'end-of-input' });
    expect(reader.snapshotState(1)).toEqual([]);
    await reader.close();
  });

  it('spreads the files of a folder over the subtasks round-robin in name order, then ends', async () => {
    for (const name of ['c.jsonl', 'a.jsonl', 'b.json', 'd.jsonl', 'skip.txt']) {
      await writeFile(join(dir, name), '{}\n');
    }
    const assigned: Array<[number, string[]]> = [];
    const ended: number[] = [];
    const context = {
      parallelism: 2,
      assignSplits: (subtask: number, splits: readonly FileSplit[]) =>
        assigned.push([subtask, splits.map((split) => split.path.slice(dir.length + 1))]),
      signalNoMoreSplits: (subtask: number) => ended.push(subtask),
    };
    const enumerator = new FileSplitEnumerator(context, { path: dir, pattern: undefined }, testInitContext().log);
    expect(enumerator.snapshotState(0)).toEqual({ discovered: false, unassigned: [] });
    await enumerator.start();
    expect(assigned).toEqual([
      [0, ['a.jsonl']],
      [1, ['b.json']],
      [0, ['c.jsonl']],
      [1, ['d.jsonl']],
    ]);
    expect(ended).toEqual([0, 1]);
    expect(enumerator.snapshotState(1)).toEqual({ discovered: true, unassigned: [] });
  });

  it('does no I/O when created; its enumerator fails with LS_FILE_NOT_FOUND on a missing path', async () => {
    const source = fileSourcePlugin.create(validatedConfig(fileSourcePlugin, { path: 'missing' }), testPluginContext({ pipeline: 'p', componentId: 'in', baseDir: dir }));
    const context = { parallelism: 1, assignSplits: () => undefined, signalNoMoreSplits: () => undefined };
    const enumerator = source.createEnumerator(context, testInitContext());
    await expect(enumerator.start()).rejects.toMatchObject({ code: 'LS_FILE_NOT_FOUND' });
  });

  it('refuses damaged split state with LS_STATE_INVALID', () => {
    const { splitSerializer } = new FileSource(validatedConfig(fileSourcePlugin, { path: 'x' }), dir);
    expect(() => splitSerializer.deserialize(1, { splitId: 'a', path: 'a', offset: -1, line: 0 })).toThrow(
      expect.objectContaining({ code: 'LS_STATE_INVALID' }),
    );
  });

  it('has a plugin whose schema accepts the documented options and refuses others', () => {
    const check = configSchemaCheck(fileSourcePlugin.configSchema);
    expect(check({ id: 'in', type: 'file', path: './in', pattern: 'orders-*.jsonl', parallelism: 2 })).toEqual([]);
    expect(check({ id: 'in', type: 'file' })).not.toEqual([]);
    expect(check({ id: 'in', type: 'file', path: './in', pattern: 'sub/*.jsonl' })).not.toEqual([]);
    expect(check({ id: 'in', type: 'file', path: './in', recursive: true })).not.toEqual([]);
  });
});
