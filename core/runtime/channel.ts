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
 * How much a channel holds: at most `maxRecords` records, and — once the consumer's rate is measured — about
 * `targetMs` worth of them at that rate, never fewer than `minRecords` (see {@link Channel}).
 */
export interface ChannelBound {
  /** The ceiling: records queued at most (memory). */
  readonly maxRecords: number;
  /** The floor of the adaptive bound: enough for the consumer never to starve while the producer prepares the next batch. */
  readonly minRecords: number;
  /** Time the queued records may take the consumer at its measured rate (0: no adaptation, always `maxRecords`). */
  readonly targetMs: number;
  /**
   * The ceiling in elements that hold records (batches), whatever their size; adapted like the records, to about
   * `targetMs` of batches at the consumer's measured batch rate, never below one. Unset: batches are not counted.
   */
  readonly maxBatches?: number;
}

/** A channel's view of what it carries: how many records an element holds (0 for control elements such as barriers). */
export type Weigh<T> = (element: T) => number;

/** Busy time (ms) the consumer's rate is measured over before it updates the bound. */
const SAMPLE_MS = 50;
/** Weight of a new rate sample in the moving average. */
const SAMPLE_WEIGHT = 0.3;

/**
 * A bounded FIFO between one producer task and one consumer task. `send` of an element with records waits while the
 * queued records would exceed the bound: that wait is the backpressure that keeps memory flat whatever the input size.
 * Control elements (weight 0: barriers, end) never wait — they add no memory, and a barrier must not queue behind a
 * blocked send.
 *
 * The bound adapts to the consumer (Flink's buffer debloating): while records are queued, the channel measures how
 * fast the consumer takes them (records per millisecond of the time the queue was not empty, so a consumer that
 * waits for input is not counted slow) and keeps the bound at `targetMs` of records at that rate, between
 * `minRecords` and `maxRecords`. A barrier sent into the channel therefore waits behind at most about `targetMs` of
 * records, however slow the sink, instead of a fixed number of batches.
 *
 * It bounds batches the same way (`maxBatches`, adapted to `targetMs` of batches at the consumer's batch rate): a
 * sink pays per batch too (a Postgres sink: a savepoint, a statement and a release, each a round trip), so a fast
 * producer of small batches — a rate-limited source emits one or two records per poll — must not queue hundreds of them
 * under a record bound sized for full batches. A producer held back by the batch bound polls larger batches next time,
 * which is what lets a per-batch-bound consumer keep up.
 */
export class Channel<T> {
  private readonly queue: Array<T | undefined> = [];
  private head = 0;
  private readonly receivers: Array<{ resolve: (value: T) => void; reject: (error: Error) => void }> = [];
  private readonly senders: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private closed = false;
  private readonly bound: ChannelBound;
  private limit: number;
  private batchLimit: number;
  private queuedRecords = 0;
  /** Queued elements that hold records. */
  private queuedBatches = 0;
  /** Since when the queue holds something (ms, performance.now), or undefined while it is empty. */
  private backlogSince: number | undefined;
  private sampleMs = 0;
  private sampleRecords = 0;
  private sampleBatches = 0;
  /** Records per ms the consumer takes while records are queued (moving average), undefined until measured. */
  private rate: number | undefined;
  /** Batches per ms, measured alike. */
  private batchRate: number | undefined;

  constructor(
    readonly name: string,
    bound: number | ChannelBound,
    private readonly weigh: Weigh<T> = () => 1,
    /** Milliseconds from a monotonic clock (tests drive it by hand). */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.bound = typeof bound === 'number' ? { maxRecords: bound, minRecords: bound, targetMs: 0 } : bound;
    this.limit = this.bound.maxRecords;
    this.batchLimit = this.bound.maxBatches ?? Number.POSITIVE_INFINITY;
  }

  /** Elements queued. */
  get size(): number {
    return this.queue.length - this.head;
  }

  /** Records queued (the sum of the queued elements' weights). */
  get records(): number {
    return this.queuedRecords;
  }

  /** The current bound, in records. */
  get capacity(): number {
    return this.limit;
  }

  /** The current bound in batches (elements that hold records). */
  get batchCapacity(): number {
    return this.batchLimit;
  }

  /** The consumer's measured rate in records per second, undefined until measured. */
  get recordsPerSecond(): number | undefined {
    return this.rate === undefined ? undefined : this.rate * 1000;
  }

  async send(element: T): Promise<void> {
    const weight = this.weigh(element);
    while (!this.closed && weight > 0 && this.full(weight) && this.receivers.length === 0) {
      await new Promise<void>((resolve, reject) => this.senders.push({ resolve, reject }));
    }
    if (this.closed) throw new ChannelClosedError(this.name);
    const receiver = this.receivers.shift();
    if (receiver !== undefined) {
      receiver.resolve(element);
      return;
    }
    if (this.size === 0) this.backlogSince = this.now();
    this.queue.push(element);
    this.queuedRecords += weight;
    if (weight > 0) this.queuedBatches += 1;
  }

  /** Whether a batch of `weight` records must wait: something is queued and it would pass either bound. */
  private full(weight: number): boolean {
    if (this.queuedRecords === 0) return false;
    return this.queuedRecords + weight > this.limit || this.queuedBatches + 1 > this.batchLimit;
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
      const weight = this.weigh(element);
      this.queuedRecords -= weight;
      if (weight > 0) this.queuedBatches -= 1;
      this.measure(weight);
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

  /** Counts `weight` records taken from the backlog; every {@link SAMPLE_MS} of backlog, updates the rate and the bound. */
  private measure(weight: number): void {
    if (this.bound.targetMs <= 0 || this.backlogSince === undefined) return;
    const now = this.now();
    this.sampleMs += now - this.backlogSince;
    this.sampleRecords += weight;
    if (weight > 0) this.sampleBatches += 1;
    this.backlogSince = this.size > 0 ? now : undefined;
    if (this.sampleMs < SAMPLE_MS) return;
    this.rate = movingAverage(this.rate, this.sampleRecords / this.sampleMs);
    this.batchRate = movingAverage(this.batchRate, this.sampleBatches / this.sampleMs);
    this.sampleMs = 0;
    this.sampleRecords = 0;
    this.sampleBatches = 0;
    const { minRecords, maxRecords, targetMs, maxBatches } = this.bound;
    this.limit = Math.round(Math.min(maxRecords, Math.max(minRecords, this.rate * targetMs)));
    if (maxBatches !== undefined) this.batchLimit = Math.round(Math.min(maxBatches, Math.max(1, this.batchRate * targetMs)));
  }
}

function movingAverage(average: number | undefined, sample: number): number {
  return average === undefined ? sample : average + SAMPLE_WEIGHT * (sample - average);
}
