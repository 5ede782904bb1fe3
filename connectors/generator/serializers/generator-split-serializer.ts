import {
  asObject,
  invalidState,
  naturalField,
  stringField,
  unknownStateVersion,
  type VersionedSerializer,
} from '../../../core/sdk';
import type { GeneratorSplit } from '../generator-split';

const WHAT = 'generator split';

/**
 * Generator split state. Version 1: `{ splitId, stripe, stripes, nextSeq }`.
 */
export class GeneratorSplitSerializer implements VersionedSerializer<GeneratorSplit> {
  readonly version = 1;

  serialize(split: GeneratorSplit): unknown {
    return { splitId: split.splitId, stripe: split.stripe, stripes: split.stripes, nextSeq: split.nextSeq };
  }

  deserialize(version: number, data: unknown): GeneratorSplit {
    if (version !== 1) throw unknownStateVersion(WHAT, version, [1]);
    const object = asObject(WHAT, data);
    const split: GeneratorSplit = {
      splitId: stringField(WHAT, object, 'splitId'),
      stripe: naturalField(WHAT, object, 'stripe'),
      stripes: naturalField(WHAT, object, 'stripes'),
      nextSeq: naturalField(WHAT, object, 'nextSeq'),
    };
    if (split.stripes === 0 || split.stripe >= split.stripes || split.nextSeq % split.stripes !== split.stripe) {
      throw invalidState(WHAT, `stripe ${split.stripe} of ${split.stripes} cannot be at seq ${split.nextSeq}`);
    }
    return split;
  }
}
