import type { Committer } from './committer';
import type { VersionedSerializer } from './serializer';
import { supportsCommitter, type Sink } from './sink';
import type { CommittingSinkWriter, SinkWriter } from './sink-writer';

const writer: SinkWriter = { init: async () => undefined, write: async () => undefined, flush: async () => undefined, close: async () => undefined };
const committingWriter: CommittingSinkWriter<string> = { ...writer, prepareCommit: async () => [] };
const committer: Committer<string> = { commit: async () => [], close: async () => undefined };
const serializer: VersionedSerializer<string> = { version: 1, serialize: (value) => value, deserialize: (_, data) => String(data) };

describe('Sink', () => {
  it('is a direct sink or a committing one, told apart by its mechanism', () => {
    const direct: Sink<string> = { guarantee: 'at-least-once', createWriter: () => writer };
    const idempotent: Sink<string> = { guarantee: 'exactly-once', mechanism: 'idempotent-writes', createWriter: () => writer };
    const committing: Sink<string> = {
      guarantee: 'exactly-once',
      mechanism: 'two-phase-commit',
      createWriter: () => committingWriter,
      createCommitter: () => committer,
      committableSerializer: serializer,
    };
    expect([direct, idempotent, committing].map((sink) => supportsCommitter(sink))).toEqual([false, false, true]);
  });

  it('has no half shapes (checked by the compiler)', () => {
    const halfShapes: Sink<string>[] = [
      // @ts-expect-error a committer without a serializer
      { guarantee: 'exactly-once', mechanism: 'two-phase-commit', createWriter: () => committingWriter, createCommitter: () => committer },
      // @ts-expect-error a committer on a sink that does not say it commits in two phases
      { guarantee: 'exactly-once', createWriter: () => writer, createCommitter: () => committer, committableSerializer: serializer },
      // @ts-expect-error a two-phase-commit sink whose writers cannot pre-commit
      { guarantee: 'exactly-once', mechanism: 'two-phase-commit', createWriter: () => writer, createCommitter: () => committer, committableSerializer: serializer },
      // @ts-expect-error an at-least-once sink with a committer
      { guarantee: 'at-least-once', mechanism: 'two-phase-commit', createWriter: () => committingWriter, createCommitter: () => committer, committableSerializer: serializer },
    ];
    expect(halfShapes).toHaveLength(4);
  });
});
