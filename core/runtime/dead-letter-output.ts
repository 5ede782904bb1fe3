import type { Channel } from './channel';
import { deadLetterRecord } from './error-policy';
import type { DeadLetter, StreamElement } from './stream-element';

/**
 * A task's way to the dead-letter sink: collects refused records while a batch is processed, then sends them as one
 * batch to the dead-letter writers, round-robin. Barriers and `end` go to every dead-letter writer.
 */
export class DeadLetterOutput {
  private readonly pending: DeadLetter[] = [];
  private next = 0;

  constructor(private readonly channels: readonly Channel<StreamElement>[]) {}

  /** Collects a refused record (the error policy's dead-letter callback). */
  readonly add = (letter: DeadLetter): void => {
    this.pending.push(letter);
  };

  /** Sends what was collected since the last flush. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const channel = this.channels[this.next % this.channels.length] as Channel<StreamElement>;
    this.next += 1;
    await channel.send({ kind: 'records', records: this.pending.splice(0).map(deadLetterRecord) });
  }

  async broadcast(element: StreamElement): Promise<void> {
    for (const channel of this.channels) await channel.send(element);
  }
}
