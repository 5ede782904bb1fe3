import {
  asObject,
  invalidState,
  naturalField,
  stringField,
  unknownStateVersion,
  type VersionedSerializer,
} from '../../../core/sdk';
import type { FileSplit } from '../file-split';

const WHAT = 'file split';

/** File split state. Version 1: `{ splitId, path, offset, line }` (offset in bytes, line = lines before it). */
export class FileSplitSerializer implements VersionedSerializer<FileSplit> {
  readonly version = 1;

  serialize(split: FileSplit): unknown {
    return { splitId: split.splitId, path: split.path, offset: split.offset, line: split.line };
  }

  deserialize(version: number, data: unknown): FileSplit {
    if (version !== 1) throw unknownStateVersion(WHAT, version, [1]);
    const object = asObject(WHAT, data);
    const split: FileSplit = {
      splitId: stringField(WHAT, object, 'splitId'),
      path: stringField(WHAT, object, 'path'),
      offset: naturalField(WHAT, object, 'offset'),
      line: naturalField(WHAT, object, 'line'),
    };
    if (split.line > split.offset) throw invalidState(WHAT, `${split.line} lines cannot fit in ${split.offset} bytes`);
    return split;
  }
}
