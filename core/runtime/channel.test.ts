import { Channel, ChannelClosedError } from './channel';

describe('Channel', () => {
  it('delivers in FIFO order', async () => {
    const channel = new Channel<number>('t', 10);
    for (const n of [1, 2, 3]) await channel.send(n);
    expect([await channel.receive(), await channel.receive(), await channel.receive()]).toEqual([1, 2, 3]);
  });

  it('makes the sender wait while the channel is full (backpressure)', async () => {
    const channel = new Channel<number>('t', 2);
    await channel.send(1);
    await channel.send(2);
    let thirdSent = false;
    const third = channel.send(3).then(() => {
      thirdSent = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(thirdSent).toBe(false);
    expect(await channel.receive()).toBe(1);
    await third;
    expect(thirdSent).toBe(true);
    expect([await channel.receive(), await channel.receive()]).toEqual([2, 3]);
  });

  it('hands an element straight to a waiting receiver', async () => {
    const channel = new Channel<string>('t', 1);
    const received = channel.receive();
    await channel.send('x');
    expect(await received).toBe('x');
  });

  it('wakes blocked senders and receivers on close', async () => {
    const full = new Channel<number>('full', 1);
    await full.send(1);
    const blockedSend = full.send(2);
    const empty = new Channel<number>('empty', 1);
    const blockedReceive = empty.receive();
    full.close();
    empty.close();
    await expect(blockedSend).rejects.toBeInstanceOf(ChannelClosedError);
    await expect(blockedReceive).rejects.toBeInstanceOf(ChannelClosedError);
  });
});

describe('Channel with an adaptive bound', () => {
  type Element = { readonly records: number } | 'barrier';
  const weigh = (element: Element): number => (element === 'barrier' ? 0 : element.records);
  const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  function channelWithClock(bound: { maxRecords: number; minRecords: number; targetMs: number; maxBatches?: number }) {
    const clock = { ms: 0 };
    return { channel: new Channel<Element>('t', bound, weigh, () => clock.ms), clock };
  }

  it('without maxBatches bounds records, not elements, and lets a batch larger than the bound into an empty channel', async () => {
    const { channel } = channelWithClock({ maxRecords: 100, minRecords: 10, targetMs: 0 });
    await channel.send({ records: 60 });
    let sent = false;
    const blocked = channel.send({ records: 60 }).then(() => (sent = true));
    await tick();
    expect(sent).toBe(false);
    await channel.receive();
    await blocked;
    const empty = new Channel<Element>('e', { maxRecords: 100, minRecords: 10, targetMs: 0 }, weigh);
    await empty.send({ records: 500 });
    expect(empty.records).toBe(500);
  });

  it('never makes a barrier wait behind a full channel', async () => {
    const { channel } = channelWithClock({ maxRecords: 100, minRecords: 10, targetMs: 0 });
    await channel.send({ records: 100 });
    await channel.send('barrier');
    expect(channel.size).toBe(2);
    expect(await channel.receive()).toEqual({ records: 100 });
    expect(await channel.receive()).toBe('barrier');
  });

  it("shrinks the bound to targetMs of records at the consumer's measured rate, within the floor and the ceiling", async () => {
    const { channel, clock } = channelWithClock({ maxRecords: 1_000, minRecords: 50, targetMs: 20 });
    expect(channel.capacity).toBe(1_000);
    // A consumer taking 100 records every 10 ms while the queue is never empty: 10 records/ms.
    for (let i = 0; i < 9; i += 1) await channel.send({ records: 100 });
    for (let i = 0; i < 8; i += 1) {
      clock.ms += 10;
      await channel.receive();
    }
    expect(channel.recordsPerSecond).toBeCloseTo(10_000);
    expect(channel.capacity).toBe(200);
    // 200 queued + 100 would pass the bound of 200 records (20 ms at 10 records/ms): the send waits.
    await channel.send({ records: 100 });
    let sent = false;
    const blocked = channel.send({ records: 100 }).then(() => (sent = true));
    await tick();
    expect(sent).toBe(false);
    clock.ms += 10;
    await channel.receive();
    await blocked;
    // A very slow consumer (1 record/ms) is held at the floor, not at 20 records.
    const slow = channelWithClock({ maxRecords: 1_000, minRecords: 50, targetMs: 20 });
    for (let i = 0; i < 12; i += 1) await slow.channel.send({ records: 10 });
    for (let i = 0; i < 10; i += 1) {
      slow.clock.ms += 10;
      await slow.channel.receive();
    }
    expect(slow.channel.capacity).toBe(50);
  });

  it('bounds batches too: small batches wait at maxBatches however few records they hold', async () => {
    const { channel } = channelWithClock({ maxRecords: 1_000, minRecords: 500, targetMs: 0, maxBatches: 4 });
    for (let i = 0; i < 4; i += 1) await channel.send({ records: 1 });
    let sent = false;
    const blocked = channel.send({ records: 1 }).then(() => (sent = true));
    await tick();
    expect(sent).toBe(false);
    // a barrier still never waits
    await channel.send('barrier');
    await channel.receive();
    await blocked;
    expect(channel.size).toBe(5);
  });

  it("shrinks the batch bound to targetMs of batches at the consumer's batch rate, never below one", async () => {
    // A consumer that pays per batch (a round trip each): 1-record batches taken one per 10 ms. Under the record bound
    // alone (its floor is 500 records) hundreds of them could queue, seconds of work ahead of a barrier.
    const { channel, clock } = channelWithClock({ maxRecords: 4_096, minRecords: 512, targetMs: 20, maxBatches: 8 });
    expect(channel.batchCapacity).toBe(8);
    for (let i = 0; i < 8; i += 1) await channel.send({ records: 1 });
    for (let i = 0; i < 7; i += 1) {
      clock.ms += 10;
      await channel.receive();
    }
    expect(channel.capacity).toBe(512);
    expect(channel.batchCapacity).toBe(2);
    await channel.send({ records: 1 });
    let sent = false;
    const blocked = channel.send({ records: 1 }).then(() => (sent = true));
    await tick();
    expect(sent).toBe(false);
    clock.ms += 10;
    await channel.receive();
    await blocked;
    // a consumer slower still is held at one queued batch
    const slow = channelWithClock({ maxRecords: 4_096, minRecords: 512, targetMs: 20, maxBatches: 8 });
    for (let i = 0; i < 8; i += 1) await slow.channel.send({ records: 1 });
    for (let i = 0; i < 7; i += 1) {
      slow.clock.ms += 100;
      await slow.channel.receive();
    }
    expect(slow.channel.batchCapacity).toBe(1);
  });

  it('does not count the time the consumer waited on an empty channel as slowness', async () => {
    const { channel, clock } = channelWithClock({ maxRecords: 10_000, minRecords: 50, targetMs: 20 });
    for (let round = 0; round < 60; round += 1) {
      // The producer is slow: 1 s between batches; the consumer takes each batch 1 ms after it arrived.
      clock.ms += 1_000;
      await channel.send({ records: 100 });
      clock.ms += 1;
      await channel.receive();
      const waiting = channel.receive();
      clock.ms += 1_000;
      await channel.send({ records: 100 });
      await waiting;
    }
    // Measured only over backlog time: 100 records per ms, so the bound sits at the ceiling, not at the floor.
    expect(channel.capacity).toBe(2_000);
  });
});
