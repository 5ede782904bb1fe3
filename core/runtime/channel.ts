import { LockstepError } from '../errors';

/**
 * Thrown to a blocked `send`/`receive` when the channel is closed because the execution is being torn down.
 * Retriable: it only ever follows another failure, and a restart rebuilds every channel.
 */
export class ChannelClosedError extends LockstepError {
  constructor(name: string) {
    super(`channel ${name} closed`, { code: 'LS_RUNTIME_CHANNEL_CLOSED', retriable: true });
    this.name = 'ChannelClosedError';
  }
}

/**
 * A bounded FIFO between one producer task and one consumer task. `send` waits while `capacity` elements are queued:
 * that wait is the backpressure that keeps memory flat whatever the input size.
 */
export class Channel<T> {
  private readonly queue: Array<T | undefined> = [];
  private head = 0;
  private readonly receivers: Array<{ resolve: (value: T) => void; reject: (error: Error) => void }> = [];
  private readonly senders: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private closed = false;

  constructor(
    readonly name: string,
    private readonly capacity: number,
  ) {}

  get size(): number {
    return this.queue.length - this.head;
  }

  async send(element: T): Promise<void> {
    while (!this.closed && this.size >= this.capacity && this.receivers.length === 0) {
      await new Promise<void>((resolve, reject) => this.senders.push({ resolve, reject }));
    }
    if (this.closed) throw new ChannelClosedError(this.name);
    const receiver = this.receivers.shift();
    if (receiver !== undefined) {
      receiver.resolve(element);
      return;
    }
    this.queue.push(element);
  }

  receive(): Promise<T> {
    if (this.size > 0) {
      const element = this.queue[this.head] as T;
      // Drop the reference at once: consumed batches must not stay reachable until the next compaction.
      this.queue[this.head] = undefined;
      this.head += 1;
      if (this.head > 64 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.head = 0;
      }
      this.senders.shift()?.resolve();
      return Promise.resolve(element);
    }
    if (this.closed) return Promise.reject(new ChannelClosedError(this.name));
    return new Promise<T>((resolve, reject) => {
      this.receivers.push({ resolve, reject });
      this.senders.shift()?.resolve();
    });
  }

  /** Wakes every waiting sender and receiver with ChannelClosedError. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.senders.splice(0)) waiter.reject(new ChannelClosedError(this.name));
    for (const waiter of this.receivers.splice(0)) waiter.reject(new ChannelClosedError(this.name));
  }
}
