import { link, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommittingSinkWriter, LockstepRecord } from '../../core/sdk';
import {
  configSchemaCheck,
  makeTempDir,
  removeTempDir,
  testInitContext,
  testPluginContext,
  testSinkWriterInitContext,
  validatedConfig,
} from '../../core/testing';
import type { FileCommittable } from './file-committable';
import { FileCommitter } from './file-committer';
import { FileSink } from './file-sink';
import { fileSinkPlugin } from './file-sink-plugin';

const records = (...values: unknown[]): LockstepRecord[] => values.map((value) => ({ value }));
const request = (committable: FileCommittable, checkpointId = 1) => ({ committable, checkpointId, attempt: 0 });

describe('file sink', () => {
  let root: string;
  let out: string;
  beforeEach(async () => {
    root = await makeTempDir('file-sink');
    out = join(root, 'out');
  });
  afterEach(() => removeTempDir(root));

  interface WriterOptions {
    format?: 'auto' | 'json' | 'raw';
    subtask?: number;
    parallelism?: number;
    restored?: number;
    first?: number;
  }

  async function writer(options: WriterOptions = {}) {
    const sink = new FileSink(validatedConfig(fileSinkPlugin, { path: 'out', ...(options.format === undefined ? {} : { format: options.format }) }), root);
    const created = sink.createWriter(
      testSinkWriterInitContext({
        subtask: options.subtask ?? 0,
        parallelism: options.parallelism ?? 1,
        restoredCheckpointId: options.restored,
        firstCheckpointId: options.first ?? (options.restored ?? 0) + 1,
      }),
      undefined,
    ) as CommittingSinkWriter<FileCommittable>;
    await created.init();
    return created;
  }

  const committer = () => new FileCommitter(testInitContext().log);
  const visible = async () => (await readdir(out)).filter((name) => !name.startsWith('.')).sort();
  const pending = async () => (await readdir(join(out, '.pending'))).sort();

  it('pre-commits into .pending, commits part-<subtask>-<12-digit id>.jsonl, one JSON line per value', async () => {
    const w = await writer({ subtask: 3, parallelism: 4, first: 12, format: 'json' });
    await w.write(records({ id: 1 }, 'two', [3]));
    const [committable] = await w.prepareCommit(12);
    expect(await visible()).toEqual([]);
    expect(await pending()).toEqual(['part-3-000000000012.jsonl']);
    expect(await committer().commit([request(committable as FileCommittable, 12)])).toEqual([{ kind: 'committed' }]);
    expect(await visible()).toEqual(['part-3-000000000012.jsonl']);
    expect(await pending()).toEqual([]);
    expect(await readFile(join(out, 'part-3-000000000012.jsonl'), 'utf8')).toBe('{"id":1}\n"two"\n[3]\n');
    await w.close();
  });

  it('by default writes strings and bytes as they are (every byte kept) and other values as JSON', async () => {
    const w = await writer();
    const binary = Buffer.from([0xff, 0x00, 0xc3]);
    await w.write(records('{"id":1}', Buffer.from('{"id":2}'), binary, { id: 3 }, 4, null));
    const [committable] = await w.prepareCommit(1);
    await committer().commit([request(committable as FileCommittable)]);
    const expected = Buffer.concat([Buffer.from('{"id":1}\n{"id":2}\n'), binary, Buffer.from('\n{"id":3}\n4\nnull\n')]);
    expect(await readFile(join(out, 'part-0-000000000001.jsonl'))).toEqual(expected);
  });

  it('writes strings and bytes as they are in raw format and refuses others after writing the ones before', async () => {
    const w = await writer({ format: 'raw' });
    const batch = records('a,b', Buffer.from('c'), { not: 'a string' }, 'd');
    await expect(w.write(batch)).rejects.toMatchObject({ code: 'LS_FILE_VALUE_NOT_STRING', record: batch[2] });
    await w.write(batch.slice(3));
    const [committable] = await w.prepareCommit(1);
    await committer().commit([request(committable as FileCommittable)]);
    expect(await readFile(join(out, 'part-0-000000000001.jsonl'), 'utf8')).toBe('a,b\nc\nd\n');
  });

  it('refuses values without a JSON form as bad records', async () => {
    const w = await writer();
    await expect(w.write(records(undefined))).rejects.toMatchObject({ code: 'LS_FILE_VALUE_NOT_JSON' });
    await expect(w.write(records(10n))).rejects.toMatchObject({ code: 'LS_FILE_VALUE_NOT_JSON' });
    expect(await w.prepareCommit(1)).toEqual([]);
  });

  it('keeps pre-committed files up to the restored checkpoint for the committer, removes later ones', async () => {
    const first = await writer({ subtask: 0, parallelism: 2 });
    for (const id of [1, 2, 3]) {
      await first.write(records({ id }));
      await first.prepareCommit(id);
    }
    const other = await writer({ subtask: 1, parallelism: 2 });
    await other.write(records({ id: 'other' }));
    await other.prepareCommit(3);
    await writer({ subtask: 0, parallelism: 2, restored: 2, first: 4 });
    expect(await pending()).toEqual([
      'part-0-000000000001.jsonl',
      'part-0-000000000002.jsonl',
      'part-1-000000000003.jsonl',
    ]);
  });

  it('lets subtask 0 remove leftovers of subtasks that no longer exist after scaling down', async () => {
    for (const subtask of [0, 1, 2]) {
      const w = await writer({ subtask, parallelism: 3 });
      await w.write(records({ subtask }));
      await w.prepareCommit(5);
    }
    await writer({ subtask: 1, parallelism: 2, restored: 4, first: 6 });
    expect(await pending()).toEqual(['part-0-000000000005.jsonl', 'part-2-000000000005.jsonl']);
    await writer({ subtask: 0, parallelism: 2, restored: 4, first: 6 });
    expect(await pending()).toEqual([]);
  });

  it('refuses to start where a committed file would be overwritten by a reused checkpoint id', async () => {
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'part-0-000000000003.jsonl'), '{"old":true}\n');
    await expect(writer({ first: 1 })).rejects.toMatchObject({ code: 'LS_FILE_ID_CONFLICT' });
    await expect(writer({ subtask: 1, parallelism: 2, first: 1 })).resolves.toBeDefined();
    await expect(writer({ restored: 3, first: 4 })).resolves.toBeDefined();
  });

  it('refuses a checkpoint id lower than one it already pre-committed', async () => {
    const w = await writer();
    await w.prepareCommit(4);
    await expect(w.prepareCommit(3)).rejects.toMatchObject({ code: 'LS_FILE_CHECKPOINT_ORDER' });
  });

  it('reports each commit outcome and never overwrites a committed file', async () => {
    const w = await writer();
    await w.write(records({ id: 1 }));
    const [done] = (await w.prepareCommit(1)) as FileCommittable[];
    await w.write(records({ id: 2 }));
    const [linked] = (await w.prepareCommit(2)) as FileCommittable[];
    await w.write(records({ id: 3 }));
    const [clash] = (await w.prepareCommit(3)) as FileCommittable[];
    await committer().commit([request(done as FileCommittable)]);
    await link((linked as FileCommittable).pendingPath, (linked as FileCommittable).finalPath); // a rename cut short
    await writeFile((clash as FileCommittable).finalPath, '{"other":true}\n');
    const lost = {
      pendingPath: join(out, '.pending', 'part-0-000000000009.jsonl'),
      finalPath: join(out, 'part-0-000000000009.jsonl'),
    };
    const outcomes = await committer().commit([done, linked, clash, lost].map((c) => request(c as FileCommittable)));
    expect(outcomes.map((outcome) => outcome.kind)).toEqual([
      'already-committed',
      'already-committed',
      'failed-unknown',
      'failed-known',
    ]);
    expect(await pending()).toEqual(['part-0-000000000003.jsonl']);
    expect(await readFile((clash as FileCommittable).finalPath, 'utf8')).toBe('{"other":true}\n');
  });

  it('has a plugin whose schema accepts the documented options and refuses others', () => {
    const check = configSchemaCheck(fileSinkPlugin.configSchema);
    expect(check({ id: 'out', type: 'file', path: './out', format: 'raw', parallelism: 2 })).toEqual([]);
    expect(check({ id: 'out', type: 'file' })).not.toEqual([]);
    expect(check({ id: 'out', type: 'file', path: './out', format: 'csv' })).not.toEqual([]);
    expect(check({ id: 'out', type: 'file', path: './out', compress: true })).not.toEqual([]);
    const sink = fileSinkPlugin.create(validatedConfig(fileSinkPlugin, { path: 'out' }), testPluginContext({ pipeline: 'p', componentId: 'out', baseDir: '/data' }));
    expect({ guarantee: sink.guarantee, mechanism: sink.mechanism }).toEqual({
      guarantee: 'exactly-once',
      mechanism: 'two-phase-commit',
    });
  });
});
