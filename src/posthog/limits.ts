/**
 * The two limits every request of one client shares: how many are in flight at once, and how many start
 * per minute. Both are plain data structures with the clock and the sleeping left to the caller, so they
 * can be tested without timers.
 */

/** A counting semaphore with FIFO hand-over. */
export class Semaphore {
  private available: number;
  private readonly waiting: (() => void)[] = [];
  private inUse = 0;
  /** The most permits ever held at once (for tests and `stats`). */
  maxInUse = 0;

  constructor(permits: number) {
    if (!Number.isInteger(permits) || permits < 1) throw new RangeError(`concurrency must be a positive integer, not ${permits}`);
    this.available = permits;
  }

  /** Resolves with a release function once a permit is free. Call release exactly once. */
  async acquire(): Promise<() => void> {
    if (this.available > 0) this.available--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inUse++;
    this.maxInUse = Math.max(this.maxInUse, this.inUse);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse--;
      // Hand the permit straight to the next waiter, so a newcomer cannot overtake it.
      const next = this.waiting.shift();
      if (next) next();
      else this.available++;
    };
  }
}

/**
 * A sliding window of request start times (one minute unless told otherwise). PostHog throttles
 * personal-API-key requests at 480/minute (burst) and 4800/hour (sustained) per key (API.md §1 "Rate
 * limits", §12); staying under lower budgets avoids 429s rather than recovering from them.
 */
export class RequestBudget {
  private readonly starts: number[] = [];

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number,
    /** The window's length; `perMinute` is then "per window". */
    private readonly windowMs = 60_000,
  ) {
    if (!(perMinute > 0)) throw new RangeError(`requestsPerMinute must be positive, not ${perMinute}`);
  }

  /**
   * Reserve the next start time and return how long to wait for it (0 when there is room now). The
   * reservation is made at once, so concurrent callers never both take the last slot.
   */
  reserve(): number {
    const t = this.now();
    while (this.starts.length > 0 && this.starts[0]! <= t - this.windowMs) this.starts.shift();
    let slot = t;
    if (this.starts.length >= this.perMinute) {
      // The window is full: wait until the request `perMinute` places back leaves it.
      slot = this.starts[this.starts.length - this.perMinute]! + this.windowMs;
    }
    // Keep the list ordered even when reservations lie in the future.
    const last = this.starts[this.starts.length - 1];
    if (last !== undefined && slot < last) slot = last;
    this.starts.push(slot);
    return Math.max(0, slot - t);
  }
}
