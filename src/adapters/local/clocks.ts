import type { Clock } from '../../ports/clock.port.js';

/**
 * The machine's clock.
 *
 * @example
 * new SystemClock().now(); // Date.now()
 */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
}

/**
 * A clock that moves only when told to: for tests and deterministic replays.
 *
 * @example
 * const clock = new ManualClock(Date.UTC(2024, 0, 2));
 * clock.advance(1000);
 */
export class ManualClock implements Clock {
  constructor(private time: number) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
  set(time: number): void {
    this.time = time;
  }
}
