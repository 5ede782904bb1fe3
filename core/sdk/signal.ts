/** A wake-up flag for a task loop: `wait()` resolves at the next `notify()` (or at once if one is pending). */
export class WakeSignal {
  private pending = false;
  private waiter: (() => void) | undefined;

  notify(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) waiter();
    else this.pending = true;
  }

  wait(): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }
}

/**
 * What a source reader's `isAvailable()` returns while it has nothing: one promise shared by every caller (the engine
 * asks again on each turn of its loop), resolved by the next `notify()`. Unlike {@link WakeSignal} it remembers no
 * notification: a reader checks its own state before it waits.
 */
export class AvailabilitySignal {
  private waiting: { readonly promise: Promise<void>; readonly resolve: () => void } | undefined;

  wait(): Promise<void> {
    if (this.waiting === undefined) {
      let resolve: () => void = () => undefined;
      const promise = new Promise<void>((done) => (resolve = done));
      this.waiting = { promise, resolve };
    }
    return this.waiting.promise;
  }

  notify(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve();
  }
}
