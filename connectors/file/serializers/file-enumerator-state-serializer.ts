import { asObject, invalidState, unknownStateVersion, type VersionedSerializer } from '../../../core/sdk';
import type { FileEnumeratorState } from '../file-enumerator-state';
import { FileSplitSerializer } from './file-split-serializer';

const WHAT = 'file enumerator state';

/** File enumerator state. Version 1: `{ discovered, unassigned: [split…] }`, splits in the split serializer's v1. */
export class FileEnumeratorStateSerializer implements VersionedSerializer<FileEnumeratorState> {
  readonly version = 1;
  private readonly splits = new FileSplitSerializer();

  serialize(state: FileEnumeratorState): unknown {
    return { discovered: state.discovered, unassigned: state.unassigned.map((split) => this.splits.serialize(split)) };
  }

  deserialize(version: number, data: unknown): FileEnumeratorState {
    if (version !== 1) throw unknownStateVersion(WHAT, version, [1]);
    const { discovered, unassigned } = asObject(WHAT, data);
    if (typeof discovered !== 'boolean') throw invalidState(WHAT, 'discovered is not a boolean');
    if (!Array.isArray(unassigned)) throw invalidState(WHAT, 'unassigned is not a list');
    return { discovered, unassigned: unassigned.map((split: unknown) => this.splits.deserialize(1, split)) };
  }
}
