/**
 * Coalesces run changes into at most one flush per interval (`ncMonitor.dashboard.refreshIntervalMs`): the first
 * change after a quiet period flushes at once, later ones wait for the interval to end, and any number of changes
 * inside one interval become one flush. A trainer can report far faster than a chart is worth redrawing.
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, milliseconds: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, milliseconds) => setTimeout(callback, milliseconds),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class UpdateThrottle {
  private lastFlush = Number.NEGATIVE_INFINITY;
  private timer: unknown;

  constructor(
    private readonly intervalMs: () => number,
    private readonly flush: () => void,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Something changed: flush now or when the current interval ends. */
  request(): void {
    if (this.timer !== undefined) return;
    const wait = this.lastFlush + this.intervalMs() - this.clock.now();
    if (wait <= 0) {
      this.run();
      return;
    }
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, wait);
  }

  /** Drops a pending flush (the panel was hidden or a snapshot replaced it). */
  cancel(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Starts a new interval now: a snapshot just went out. */
  markFlushed(): void {
    this.cancel();
    this.lastFlush = this.clock.now();
  }

  dispose(): void {
    this.cancel();
  }

  private run(): void {
    this.lastFlush = this.clock.now();
    this.flush();
  }
}
