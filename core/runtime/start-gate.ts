import { delayOrUntil } from '../sdk/delay';

/**
 * Tracks the start of a plugin instance (a writer's `init`, a reader's `start`), so that teardown never calls `close`
 * while the start is still running — the SDK allows no two calls at once — and never waits for a start that does not
 * end: {@link StartGate.close} closes at once when nothing is starting, else closes when the start settles, and
 * resolves after at most `waitMs` either way (the close still happens when a late start resolves).
 */
export class StartGate {
  private running: Promise<unknown> | undefined;

  /** Whether a start is running now. */
  get starting(): boolean {
    return this.running !== undefined;
  }

  /** Runs `start` and remembers it until it settled. */
  start(start: () => Promise<void>): Promise<void> {
    const started = start();
    this.running = started;
    const forget = (): void => {
      if (this.running === started) this.running = undefined;
    };
    started.then(forget, forget);
    return started;
  }

  /**
   * Closes through `close` once no start is running. `onLate` is called when the start was still running after
   * `waitMs`; a close that fails after that is handed to `onLateError`.
   */
  async close(close: () => Promise<void>, waitMs: number, onLate: () => void, onLateError: (error: unknown) => void): Promise<void> {
    const starting = this.running;
    if (starting === undefined) return close();
    const closed = starting.then(close, close);
    let settled = false;
    await delayOrUntil(waitMs, closed.finally(() => (settled = true)));
    if (settled) return;
    onLate();
    closed.catch(onLateError);
  }
}
