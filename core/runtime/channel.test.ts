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
