import type { SourceSplit } from '../../../core/sdk';

/**
 * Where a shard's reading starts: after a sequence number (a resolved position: the last record returned), or a
 * symbolic start that the reader turns into a shard iterator the first time it reads the shard.
 */
export type KinesisStartPosition =
  | { readonly kind: 'after'; readonly sequenceNumber: string }
  | { readonly kind: 'trim-horizon' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'at-timestamp'; readonly timestamp: number };

/**
 * One shard and how far it was read. `stopAtTimestamp` (bounded reads): records that arrived after it are not read,
 * and the shard ends once the reader caught up with it. `finished`: the shard was read to its end; a reader keeps
 * it in its checkpoints until a completed checkpoint covers the end, so that after a restore the enumerator learns
 * again that its children may be read.
 */
export interface KinesisSplit extends SourceSplit {
  readonly shardId: string;
  readonly start: KinesisStartPosition;
  readonly stopAtTimestamp?: number;
  readonly finished?: true;
}

/** The split of `shardId` starting at `start`. */
export function kinesisSplit(shardId: string, start: KinesisStartPosition, stopAtTimestamp?: number): KinesisSplit {
  const split = { splitId: shardId, shardId, start };
  return stopAtTimestamp === undefined ? split : { ...split, stopAtTimestamp };
}

/** `<stream>/<shardId>@<sequenceNumber>`: a record's origin. */
export function kinesisOrigin(stream: string, shardId: string, sequenceNumber: string): string {
  return `${stream}/${shardId}@${sequenceNumber}`;
}
