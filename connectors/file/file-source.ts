import { resolve } from 'node:path';
import type { InitContext, Source, SourceReader, SplitEnumerator, SplitEnumeratorContext } from '../../core/sdk';
import type { FileEnumeratorState } from './file-enumerator-state';
import type { FileSourceConfig } from './file-source-config.generated';
import { FileSourceReader } from './file-source-reader';
import type { FileSplit } from './file-split';
import { FileSplitEnumerator } from './file-split-enumerator';
import { FileEnumeratorStateSerializer } from './serializers/file-enumerator-state-serializer';
import { FileSplitSerializer } from './serializers/file-split-serializer';

/** Bytes read from a file at a time; memory per reader stays around this plus the longest line. */
export const DEFAULT_READ_CHUNK_BYTES = 64 * 1024;

/** Tuning that is not part of the config (tests use small chunks to cross chunk boundaries often). */
export interface FileSourceOptions {
  readonly chunkBytes?: number;
}

/**
 * The `file` source: JSON-lines files, one record per non-blank line with the line's text as value. Bounded; each
 * file is a split whose state is a byte offset and line number, so it is replayable as long as the files do not
 * change. Construction does no I/O: the input is listed when the enumerator starts.
 */
export class FileSource implements Source<FileSplit, FileEnumeratorState> {
  readonly guarantee = 'replayable' as const;
  readonly bounded = true;
  readonly splitSerializer = new FileSplitSerializer();
  readonly enumeratorStateSerializer = new FileEnumeratorStateSerializer();
  /** The configured path, resolved against the pipeline file's folder. */
  readonly path: string;
  private readonly chunkBytes: number;

  constructor(
    private readonly config: FileSourceConfig,
    baseDir: string,
    options: FileSourceOptions = {},
  ) {
    this.path = resolve(baseDir, config.path);
    this.chunkBytes = options.chunkBytes ?? DEFAULT_READ_CHUNK_BYTES;
  }

  createEnumerator(
    context: SplitEnumeratorContext<FileSplit>,
    init: InitContext,
  ): SplitEnumerator<FileSplit, FileEnumeratorState> {
    return new FileSplitEnumerator(context, { path: this.path, pattern: this.config.pattern }, init.log);
  }

  restoreEnumerator(
    context: SplitEnumeratorContext<FileSplit>,
    init: InitContext,
    state: FileEnumeratorState,
  ): SplitEnumerator<FileSplit, FileEnumeratorState> {
    return new FileSplitEnumerator(context, { path: this.path, pattern: this.config.pattern }, init.log, state);
  }

  createReader(init: InitContext): SourceReader<FileSplit> {
    return new FileSourceReader(init, this.chunkBytes);
  }
}
