import { asObject, invalidState, unknownStateVersion, type VersionedSerializer } from '../../../core/sdk';
import type { GeneratorEnumeratorState } from '../generator-enumerator-state';
import { GeneratorSplitSerializer } from './generator-split-serializer';

const WHAT = 'generator enumerator state';

/**
 * Generator enumerator state. Version 1: `{ unassigned: [split…] }`, each split in the split serializer's version 1.
 */
export class GeneratorEnumeratorStateSerializer implements VersionedSerializer<GeneratorEnumeratorState> {
  readonly version = 1;
  private readonly splits = new GeneratorSplitSerializer();

  serialize(state: GeneratorEnumeratorState): unknown {
    return { unassigned: state.unassigned.map((split) => this.splits.serialize(split)) };
  }

  deserialize(version: number, data: unknown): GeneratorEnumeratorState {
    if (version !== 1) throw unknownStateVersion(WHAT, version, [1]);
    const { unassigned } = asObject(WHAT, data);
    if (!Array.isArray(unassigned)) throw invalidState(WHAT, 'unassigned is not a list');
    return { unassigned: unassigned.map((split: unknown) => this.splits.deserialize(1, split)) };
  }
}
