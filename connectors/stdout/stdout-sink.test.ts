import { PassThrough, Writable } from 'node:stream';
import { configSchemaCheck, testPluginContext, testSinkWriterInitContext, validatedConfig } from '../../core/testing';
import { StdoutSink } from './stdout-sink';
import { stdoutSinkPlugin } from './stdout-sink-plugin';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('stdout sink', () => {
  it('prints each value as one JSON line in json format', async () => {
    const out = capture();
    const writer = new StdoutSink(validatedConfig(stdoutSinkPlugin, { format: 'json' }), out.stream).createWriter(testSinkWriterInitContext(), undefined);
    await writer.init();
    await writer.write([{ value: { id: 1 } }, { value: 'line\nbreak' }]);
    await writer.flush(true);
    await writer.close();
    expect(out.text()).toBe('{"id":1}\n"line\\nbreak"\n');
  });

  it('by default prints strings and bytes as they are and other values as JSON', async () => {
    const out = capture();
    const writer = new StdoutSink(validatedConfig(stdoutSinkPlugin, {}), out.stream).createWriter(testSinkWriterInitContext(), undefined);
    await writer.write([{ value: { id: 1 } }, { value: '{"id":2}' }, { value: Buffer.from('{"id":3}') }, { value: 4 }]);
    expect(out.text()).toBe('{"id":1}\n{"id":2}\n{"id":3}\n4\n');
  });

  it('prints strings as they are in raw format and refuses other values after printing the ones before', async () => {
    const out = capture();
    const writer = new StdoutSink(validatedConfig(stdoutSinkPlugin, { format: 'raw' }), out.stream).createWriter(testSinkWriterInitContext(), undefined);
    const batch = [{ value: 'a' }, { value: 42 }, { value: 'b' }];
    await expect(writer.write(batch)).rejects.toMatchObject({ code: 'LS_STDOUT_VALUE_NOT_STRING', record: batch[1] });
    expect(out.text()).toBe('a\n');
  });

  it('waits for a slow reader instead of buffering without bound', async () => {
    const written: string[] = [];
    let release: () => void = () => undefined;
    const slow = new Writable({
      highWaterMark: 8,
      write(chunk: Buffer, _encoding, done) {
        written.push(chunk.toString('utf8'));
        release = done;
      },
    });
    const writer = new StdoutSink(validatedConfig(stdoutSinkPlugin, {}), slow).createWriter(testSinkWriterInitContext(), undefined);
    let finished = false;
    const writing = writer.write([{ value: 'x'.repeat(20) }]).then(() => (finished = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(finished).toBe(false);
    release();
    await writing;
    expect(written).toEqual([`${'x'.repeat(20)}\n`]);
  });

  it('is at-least-once, and its plugin schema accepts the documented options only', () => {
    const sink = stdoutSinkPlugin.create(validatedConfig(stdoutSinkPlugin, {}), testPluginContext({ pipeline: 'p', componentId: 'print', baseDir: '/' }));
    expect({ guarantee: sink.guarantee, committer: sink.createCommitter }).toEqual({
      guarantee: 'at-least-once',
      committer: undefined,
    });
    const check = configSchemaCheck(stdoutSinkPlugin.configSchema);
    expect(check({ id: 'print', type: 'stdout', format: 'raw' })).toEqual([]);
    expect(check({ id: 'print', type: 'stdout', path: 'x' })).not.toEqual([]);
  });
});
