import { setImmediate as nextTurn } from 'node:timers/promises';
import { parseSymbolList } from '../../domain/symbol.js';
import type { SourceItem, TickSource } from '../../ports/tick-source.port.js';

/** Options of the simulated market. */
export interface SimulatedOptions {
  /** Symbols to simulate (default AAPL, MSFT, GOOG, AMZN, TSLA). */
  readonly symbols?: readonly string[];
  /** Total ticks across all symbols (default 10,000). */
  readonly ticks?: number;
  /** Seed: the same seed gives the same market, tick for tick (default 42). */
  readonly seed?: number;
  /** Timestamp of the first tick, epoch ms (default 2024-01-02T14:30:00Z). */
  readonly start?: number;
  /** Milliseconds between a symbol's ticks (default 1000). */
  readonly stepMs?: number;
  /** Fraction of records replaced by a malformed one (default 0). */
  readonly badRate?: number;
  /** Fraction of ticks sent twice, as an at-least-once producer would (default 0). */
  readonly duplicateRate?: number;
}

/** Items per array the simulation hands over. */
const CHUNK = 1024;
/** The longest the asynchronous iterations read before they let the event loop turn (ms). */
const TURN_MS = 20;

/** The default simulated symbols. */
export const DEFAULT_SYMBOLS = ['AAPL', 'MSFT', 'GOOG', 'AMZN', 'TSLA'] as const;

/**
 * A small, fast, seedable PRNG (mulberry32): the same seed, the same sequence.
 *
 * @example
 * const rand = seededRandom(42);
 * rand(); // a number in [0, 1)
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Malformed records a simulation mixes in: each is a kind of bad input ingest must quarantine. */
const BAD_RECORDS: ((symbol: string, ts: number) => unknown)[] = [
  () => '{"symbol":"AAPL","timestamp":', // truncated JSON
  (symbol, ts) => ({ symbol, timestamp: ts, price: -1, volume: 100 }),
  (_, ts) => ({ symbol: '../etc/passwd', timestamp: ts, price: 10, volume: 1 }),
  (symbol, ts) => ({ symbol, timestamp: ts, price: 'n/a', volume: 100 }),
  (symbol) => ({ symbol, timestamp: 'yesterday', price: 10, volume: 1 }),
  (symbol, ts) => ({ symbol, timestamp: ts, price: 10, volume: 2.5 }),
  () => '[1,2,3]',
];

/**
 * A seeded market: each symbol's log-price follows a mean-reverting random walk whose drift
 * switches regime now and then (so trends form and SMAs cross) while prices stay in a band
 * around their start, quoted in cents, with log-normal volumes in round lots. Ticks
 * interleave across symbols in time order.
 *
 * @example
 * const source = new SimulatedTickSource({ symbols: ['AAPL', 'MSFT'], ticks: 2000, seed: 7 });
 * for await (const item of source.items()) console.log(item);
 */
export class SimulatedTickSource implements TickSource {
  readonly name = 'simulated';
  private readonly symbols: string[];

  constructor(private readonly options: SimulatedOptions = {}) {
    const list = parseSymbolList((options.symbols ?? DEFAULT_SYMBOLS).join(','));
    if (!list.ok) throw new RangeError(list.message);
    this.symbols = list.symbols;
    const { ticks = 10_000, badRate = 0, duplicateRate = 0, stepMs = 1000 } = options;
    if (!Number.isInteger(ticks) || ticks < 0) throw new RangeError(`ticks must be a whole number ≥ 0, got ${ticks}`);
    if (!(badRate >= 0 && badRate < 1) || !(duplicateRate >= 0 && duplicateRate < 1))
      throw new RangeError('badRate and duplicateRate must be in [0, 1)');
    if (!Number.isInteger(stepMs) || stepMs < 1) throw new RangeError(`stepMs must be a whole number ≥ 1, got ${stepMs}`);
  }

  async *items(signal?: AbortSignal): AsyncIterable<SourceItem> {
    for await (const chunk of this.chunks(signal)) yield* chunk;
  }

  /**
   * The items in arrays, letting the event loop turn at least every `TURN_MS` of reading.
   * Nothing else here waits on I/O: a consumer that only awaits promises (replay with no
   * lake) would otherwise keep timers and signals — a Ctrl-C, the abort it sends — waiting
   * for the whole run.
   */
  async *chunks(signal?: AbortSignal): AsyncIterable<readonly SourceItem[]> {
    let turned = performance.now();
    for (const chunk of this.generateChunks(CHUNK, signal)) {
      yield chunk;
      if (performance.now() - turned >= TURN_MS) {
        await nextTurn();
        turned = performance.now();
      }
    }
  }

  /** The same items, synchronously (benchmarks and tests that need no async iteration). */
  *generate(signal?: AbortSignal): Generator<SourceItem> {
    for (const chunk of this.generateChunks(CHUNK, signal)) yield* chunk;
  }

  /** The items in arrays of about `size` (a tick sent twice may make one longer). */
  *generateChunks(size: number, signal?: AbortSignal): Generator<SourceItem[]> {
    let chunk: SourceItem[] = [];
    const { ticks = 10_000, seed = 42, start = Date.UTC(2024, 0, 2, 14, 30), stepMs = 1000, badRate = 0, duplicateRate = 0 } = this.options;
    const rand = seededRandom(seed);
    const gaussian = () => {
      // Box–Muller; 1 − u keeps the logarithm finite.
      const u = 1 - rand();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
    };
    const n = this.symbols.length;
    // Log-price x = ln(S / S0) per symbol: an Ornstein–Uhlenbeck walk around a drift that
    // switches regime now and then. Trends form (so SMAs cross), yet prices stay within a
    // band around their start however long the run (a plain GBM drifts off to 0 or ∞).
    const start0 = this.symbols.map(() => 20 + rand() * 480);
    const x = this.symbols.map(() => 0);
    const sigma = this.symbols.map(() => 5e-4 + rand() * 1e-3);
    const drift = sigma.map((sd) => (rand() < 0.5 ? -1 : 1) * sd * 0.025);
    const pull = 1e-4;
    for (let i = 0; i < ticks; i++) {
      if (chunk.length >= size) {
        yield chunk;
        chunk = [];
      }
      if (signal?.aborted) break;
      const s = i % n;
      const symbol = this.symbols[s] as string;
      const timestamp = start + Math.floor(i / n) * stepMs;
      if (rand() < 0.002) drift[s] = -(drift[s] as number);
      const xs = x[s] as number;
      x[s] = xs - pull * xs + (drift[s] as number) + (sigma[s] as number) * gaussian();
      const price = (start0[s] as number) * Math.exp(x[s] as number);
      if (badRate > 0 && rand() < badRate) {
        const make = BAD_RECORDS[Math.floor(rand() * BAD_RECORDS.length)] as (symbol: string, ts: number) => unknown;
        chunk.push({ kind: 'record', record: make(symbol, timestamp) });
        continue;
      }
      const record = {
        symbol,
        timestamp,
        price: Math.max(0.01, Math.round(price * 100) / 100),
        volume: 100 * Math.max(1, Math.round(Math.exp(2 + 1.2 * gaussian()))),
        source: 'simulated',
      };
      chunk.push({ kind: 'record', record });
      if (duplicateRate > 0 && rand() < duplicateRate) chunk.push({ kind: 'record', record });
    }
    if (chunk.length > 0) yield chunk;
  }
}
