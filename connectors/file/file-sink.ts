import { resolve } from 'node:path';
import type {
  CommittedRecord,
  Committer,
  CommittingSink,
  CommittingSinkWriter,
  InitContext,
  SinkTrace,
  SinkWriterInitContext,
  SupportsCommittedOutput,
  SupportsTraceInspection,
} from '../../core/sdk';
import type { FileCommittable } from './file-committable';
import { FileCommitter } from './file-committer';
import type { FileSinkConfig } from './file-sink-config.generated';
import { clearFileSinkTraces, findFileSinkTraces } from './file-sink-traces';
import { readFileSinkOutput } from './file-sink-output';
import { FileSinkWriter } from './file-sink-writer';
import { FileCommittableSerializer } from './serializers/file-committable-serializer';

/**
 * The `file` sink: JSON lines into part files, exactly-once by two-phase commit — a writer pre-commits one file per
 * subtask and checkpoint into `<path>/.pending/`, the committer renames it into `<path>` once the checkpoint is
 * complete. Construction does no I/O. Its traces (`SupportsTraceInspection`): committed part files, named by checkpoint
 * id, and what `.pending` holds; `--reset` removes the latter and keeps the output. `SupportsCommittedOutput` reads
 * the committed part files back for `lockstep verify`.
 */
export class FileSink implements CommittingSink<FileCommittable>, SupportsTraceInspection, SupportsCommittedOutput {
  readonly guarantee = 'exactly-once' as const;
  readonly mechanism = 'two-phase-commit' as const;
  readonly committableSerializer = new FileCommittableSerializer();
  readonly tracesNameCheckpoints = true;
  /** The configured output folder, resolved against the pipeline file's folder. */
  readonly path: string;

  constructor(
    private readonly config: FileSinkConfig,
    baseDir: string,
  ) {
    this.path = resolve(baseDir, config.path);
  }

  createWriter(init: SinkWriterInitContext<FileCommittable>, _restoredState: unknown): CommittingSinkWriter<FileCommittable> {
    return new FileSinkWriter(this.path, this.config.format, init);
  }

  createCommitter(init: InitContext): Committer<FileCommittable> {
    return new FileCommitter(init.log.child({ sinkDir: this.path }));
  }

  findTraces(_context: InitContext): Promise<SinkTrace[]> {
    return findFileSinkTraces(this.path);
  }

  clearTraces(_context: InitContext): Promise<string[]> {
    return clearFileSinkTraces(this.path);
  }

  readCommitted(_context: InitContext): AsyncIterable<CommittedRecord> {
    return readFileSinkOutput(this.path);
  }

  describeOutput(): string {
    return `${this.path} (part-*.jsonl)`;
  }
}
