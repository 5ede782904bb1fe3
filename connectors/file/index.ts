export { syncDirectory } from './directory-sync';
export { errnoCode, mapFileError } from './error-mapping';
export type { FileCommittable } from './file-committable';
export { FileCommitter } from './file-committer';
export type { FileEnumeratorState } from './file-enumerator-state';
export { FileLineCursor } from './file-line-cursor';
export type { FileLine } from './file-line-cursor';
export { globToRegExp, listInputFiles } from './file-listing';
export { FileSink } from './file-sink';
export type { FileSinkConfig } from './file-sink-config.generated';
export { fileSinkPlugin } from './file-sink-plugin';
export { refuseIdReuse, removeLeftovers } from './file-sink-recovery';
export { FileSinkWriter } from './file-sink-writer';
export { DEFAULT_READ_CHUNK_BYTES, FileSource } from './file-source';
export type { FileSourceOptions } from './file-source';
export type { FileSourceConfig } from './file-source-config.generated';
export { fileSourcePlugin } from './file-source-plugin';
export { FileSourceReader } from './file-source-reader';
export { initialFileSplit } from './file-split';
export type { FileSplit } from './file-split';
export { FileSplitEnumerator } from './file-split-enumerator';
export { formatLine, formatLines } from './line-format';
export type { LineFormat } from './line-format';
export {
  CHECKPOINT_ID_DIGITS,
  inProgressFileName,
  parseInProgressFileName,
  parsePartFileName,
  partFileName,
  PENDING_FOLDER,
} from './part-file-names';
export type { PartFileId } from './part-file-names';
export { FileCommittableSerializer } from './serializers/file-committable-serializer';
export { FileEnumeratorStateSerializer } from './serializers/file-enumerator-state-serializer';
export { FileSplitSerializer } from './serializers/file-split-serializer';
