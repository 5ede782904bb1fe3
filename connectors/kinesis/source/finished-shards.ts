/**
 * How readers tell the enumerator of the same pipeline run that a shard was read to its end (the engine has no event
 * channel from readers to enumerators; both run in the process, made by the same source). A reader reports each
 * finished shard once, and again after a restore for the finished shards its checkpoint still holds; `withdraw`
 * takes back the reports of a reader that closed, so a new run (restored from a checkpoint) hears only its own.
 */
export class FinishedShards {
  private readonly reports = new Map<object, Set<string>>();
  private listener: ((shardId: string) => void) | undefined;

  /** `reader` read `shardId` to its end. */
  report(reader: object, shardId: string): void {
    let shards = this.reports.get(reader);
    if (shards === undefined) this.reports.set(reader, (shards = new Set()));
    if (shards.has(shardId)) return;
    shards.add(shardId);
    this.listener?.(shardId);
  }

  /** `reader` closed: its reports no longer count. */
  withdraw(reader: object): void {
    this.reports.delete(reader);
  }

  /** Every shard reported so far; `listener` hears each later report (one listener: the enumerator's). */
  subscribe(listener: (shardId: string) => void): string[] {
    this.listener = listener;
    return [...new Set([...this.reports.values()].flatMap((shards) => [...shards]))];
  }

  /** The enumerator closed. */
  unsubscribe(listener: (shardId: string) => void): void {
    if (this.listener === listener) this.listener = undefined;
  }
}
