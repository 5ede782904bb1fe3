import { LockstepError } from '../errors';
import { LastingFailures, noSpaceIn, startTimeout } from './lasting-failures';

const restart = { maxAttempts: 10, initialBackoffMs: 100, maxBackoffMs: 1000, jitter: 0.2, startupDeadlineMs: 5_000 };
const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:19092'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 19092 });
const unknownHost = Object.assign(new Error('getaddrinfo ENOTFOUND no-such-host.invalid'), { code: 'ENOTFOUND', hostname: 'no-such-host.invalid' });
const full = new LockstepError('checkpoint storage is full: cannot write /cp/chk-000000000004.json: ENOSPC (no space left on device)', {
  code: 'LS_CHECKPOINT_NO_SPACE',
  context: { path: '/cp/chk-000000000004.json' },
});

/** A LastingFailures whose clock the test moves. */
function clocked(): { failures: LastingFailures; at: (ms: number) => void } {
  let now = 0;
  return { failures: new LastingFailures(0, () => now), at: (ms) => (now = ms) };
}

describe('LastingFailures.verdict', () => {
  const before = { label: "kafka source 'orders'", checkpointed: false, delayMs: 2_000 };

  it('restarts an unreachable service before the first checkpoint until the next restart would start after the deadline', () => {
    const { failures, at } = clocked();
    at(1_000);
    expect(failures.verdict(refused, restart, before)).toBeUndefined();
    at(4_000);
    expect(failures.verdict(refused, restart, before)).toBe(
      "kafka source 'orders': cannot reach 127.0.0.1:19092 within restart.startupDeadline (5 s): connect ECONNREFUSED 127.0.0.1:19092",
    );
  });

  it('after a checkpoint, leaves an unreachable service to maxAttempts', () => {
    const { failures, at } = clocked();
    at(600_000);
    expect(failures.verdict(refused, restart, { ...before, checkpointed: true })).toBeUndefined();
  });

  it('fails a host that does not resolve at once, naming the component', () => {
    expect(clocked().failures.verdict(unknownHost, restart, before)).toMatch(/^kafka source 'orders': host no-such-host.invalid does not resolve: getaddrinfo/);
  });

  it('restarts a full disk only until the deadline after it filled, also after checkpoints; progress starts the clock again', () => {
    const { failures, at } = clocked();
    const context = { label: undefined, checkpointed: true, delayMs: 1_000 };
    at(100_000);
    expect(failures.verdict(full, restart, context)).toBeUndefined();
    at(103_000);
    expect(failures.verdict(full, restart, context)).toBeUndefined();
    at(104_500);
    expect(failures.verdict(full, restart, context)).toBe(
      'no space left on the device writing /cp/chk-000000000004.json (restarts stop at restart.startupDeadline, 5 s after the disk filled: ' +
        'free space, then run again): ' +
        'checkpoint storage is full: cannot write /cp/chk-000000000004.json: ENOSPC (no space left on device)',
    );
    failures.progressed();
    expect(failures.verdict(full, restart, context)).toBeUndefined();
  });

  it('leaves other failures, and configs without a deadline, to maxAttempts', () => {
    const { failures, at } = clocked();
    at(60_000);
    expect(failures.verdict(new Error('boom'), restart, before)).toBeUndefined();
    expect(failures.verdict(refused, { ...restart, startupDeadlineMs: undefined }, before)).toBeUndefined();
  });
});

describe('LastingFailures.restartLine', () => {
  it('is one line naming the component, the address and the restart', () => {
    const cause = Object.assign(new Error('kafka source cannot discover partitions'), {
      cause: Object.assign(new Error('Connection error'), { code: 'ECONNREFUSED', broker: 'localhost:19092' }),
    });
    const context = { label: "kafka source 'orders'", checkpointed: true, delayMs: 8_000 };
    const { failures } = clocked();
    expect(failures.restartLine(cause, 3, restart, context)).toBe(
      "kafka source 'orders': cannot reach localhost:19092; restart 3/10 in 8 s, or as soon as it accepts connections",
    );
    expect(failures.restartLine(cause, 3, restart, { ...context, label: undefined })).toBe(
      'kafka source cannot discover partitions: cannot reach localhost:19092; restart 3/10 in 8 s, or as soon as it accepts connections',
    );
    const noPort = Object.assign(new Error('cannot connect'), { cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) });
    expect(failures.restartLine(noPort, 1, restart, { ...context, label: undefined, delayMs: 100 })).toBe(
      'cannot connect: cannot reach the service; restart 1/10 in 0.1 s',
    );
    expect(failures.restartLine(new Error('boom'), 1, restart, context)).toBeUndefined();
    expect(failures.restartLine(full, 2, restart, { ...context, label: undefined, delayMs: 500 })).toBe(
      'no space left on the device writing /cp/chk-000000000004.json; restart 2/10 in 0.5 s',
    );
  });
});

describe('LastingFailures.startLimitMs and startTimeout', () => {
  it('limits a first start to what is left of the deadline, a later one to the deadline', () => {
    const { failures, at } = clocked();
    at(2_000);
    expect(failures.startLimitMs(restart, false)).toBe(3_000);
    expect(failures.startLimitMs(restart, true)).toBe(5_000);
    at(9_000);
    expect(failures.startLimitMs(restart, false)).toBe(0);
    expect(failures.startLimitMs({ ...restart, startupDeadlineMs: undefined }, false)).toBeUndefined();
  });

  it('cuts a first start for good, a later one for a restart', () => {
    const first = startTimeout([{ label: "postgres sink 'db' (postgres://u@10.0.0.1:5432/d)" }], 5_000, false);
    expect(first.message).toBe("postgres sink 'db' (postgres://u@10.0.0.1:5432/d): still connecting after 5 s (restart.startupDeadline)");
    expect(first).toMatchObject({ code: 'LS_STARTUP_DEADLINE', retriable: false });
    const refusedOften = { count: 7, last: new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9') };
    expect(startTimeout([{ label: "kafka source 'orders' (localhost:9)", failedConnects: refusedOften }], 5_000, true)).toMatchObject({
      retriable: true,
      message:
        "kafka source 'orders' (localhost:9): still connecting after 5 s (restart.startupDeadline); cannot reach it: 7 failed connects, " +
        'the last: Connection error: connect ECONNREFUSED 127.0.0.1:9',
    });
  });
});

describe('noSpaceIn', () => {
  it('finds a full disk by lockstep code or errno anywhere in the cause chain, with the path', () => {
    expect(noSpaceIn(new Error('outer', { cause: full }))).toEqual({ path: '/cp/chk-000000000004.json' });
    expect(noSpaceIn(Object.assign(new Error('ENOSPC'), { code: 'ENOSPC', path: '/out/part-0' }))).toEqual({ path: '/out/part-0' });
    expect(noSpaceIn(Object.assign(new Error('write'), { code: 'EDQUOT' }))).toEqual({ path: undefined });
    expect(noSpaceIn(refused)).toBeUndefined();
  });
});
