/**
 * Row 1: streaming SMA-short/SMA-long + crossover, ns/tick, tickflow against the peers a
 * user would otherwise pick, and against a bare running-sum loop (the practical floor).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ti from 'technicalindicators';
import { DMA } from 'trading-signals';
import { seededRandom } from '../src/adapters/sources/simulated-tick-source.js';
import { TickOutcome, TrendBook, TrendTracker } from '../src/domain/trend-tracker.js';
import { bundled } from './bundle.js';
import { median, time } from './util.js';

const SHORT = 5;
const LONG = 20;
const SCALE = 1e6; // price decimals 6

/** A market in columns: symbol index, timestamp, price units, and the price as a double. */
export interface Market {
  readonly n: number;
  readonly symbols: number;
  readonly symbol: Int32Array;
  readonly ts: Float64Array;
  readonly units: Float64Array;
  readonly price: Float64Array;
}

/** Seeded random walks in cents-and-more (non-zero steps), interleaved round-robin. */
export function makeMarket(n: number, symbols: number, seed = 7): Market {
  const rand = seededRandom(seed);
  const symbol = new Int32Array(n);
  const ts = new Float64Array(n);
  const units = new Float64Array(n);
  const price = new Float64Array(n);
  const level = Float64Array.from({ length: symbols }, () => Math.round((20 + rand() * 400) * 100) * 10_000);
  for (let i = 0; i < n; i++) {
    const s = i % symbols;
    // Steps in whole units (10^-6) up to ±0.5: sums rarely tie exactly, so float peers and
    // the exact rule agree but for genuine ties (counted as differences).
    const step = (1 + Math.floor(rand() * 500_000)) * (rand() < 0.5 ? -1 : 1);
    const u = Math.max(10_000, (level[s] as number) + step);
    level[s] = u;
    symbol[i] = s;
    ts[i] = 1_700_000_000_000 + Math.floor(i / symbols) * 1000;
    units[i] = u;
    price[i] = u / SCALE;
  }
  return { n, symbols, symbol, ts, units, price };
}

/** Events as (tick index × 2 + 0 for golden, 1 for death): comparable across implementations. */
type Events = number[];

/** Applies the crossover rule to a sign stream: signal when the sign flips from a non-zero last. */
function ruleOf(lastSigns: Int8Array) {
  return (s: number, sign: number, i: number, events: Events) => {
    if (sign === 0) return;
    const last = lastSigns[s] as number;
    if (last !== 0 && last !== sign) events.push(i * 2 + (sign > 0 ? 0 : 1));
    lastSigns[s] = sign;
  };
}

function runTickflow(m: Market): Events {
  const trackers = Array.from({ length: m.symbols }, () => new TrendTracker({ short: SHORT, long: LONG }));
  const events: Events = [];
  const { symbol, ts, units } = m;
  for (let i = 0; i < m.n; i++) {
    const o = (trackers[symbol[i] as number] as TrendTracker).update(ts[i] as number, units[i] as number);
    if (o === TickOutcome.GoldenCross) events.push(i * 2);
    else if (o === TickOutcome.DeathCross) events.push(i * 2 + 1);
  }
  return events;
}

/** tickflow's form for many symbols: one `TrendBook`, a slot per symbol (the same exact rule). */
function runTickflowBook(m: Market): Events {
  const book = new TrendBook({ short: SHORT, long: LONG }, m.symbols);
  for (let s = 0; s < m.symbols; s++) book.add();
  const events: Events = [];
  const { symbol, ts, units } = m;
  for (let i = 0; i < m.n; i++) {
    const o = book.update(symbol[i] as number, ts[i] as number, units[i] as number);
    if (o === TickOutcome.GoldenCross) events.push(i * 2);
    else if (o === TickOutcome.DeathCross) events.push(i * 2 + 1);
  }
  return events;
}

function runTradingSignals(m: Market): Events {
  const dmas = Array.from({ length: m.symbols }, () => new DMA(SHORT, LONG));
  const rule = ruleOf(new Int8Array(m.symbols));
  const events: Events = [];
  for (let i = 0; i < m.n; i++) {
    const s = m.symbol[i] as number;
    const r = (dmas[s] as DMA).update(m.price[i] as number, false);
    if (r === null || !(dmas[s] as DMA).isStable) continue;
    rule(s, r.short > r.long ? 1 : r.short < r.long ? -1 : 0, i, events);
  }
  return events;
}

function runTechnicalIndicators(m: Market): Events {
  const shorts = Array.from({ length: m.symbols }, () => new ti.SMA({ period: SHORT, values: [] }));
  const longs = Array.from({ length: m.symbols }, () => new ti.SMA({ period: LONG, values: [] }));
  const rule = ruleOf(new Int8Array(m.symbols));
  const events: Events = [];
  for (let i = 0; i < m.n; i++) {
    const s = m.symbol[i] as number;
    const p = m.price[i] as number;
    const a = (shorts[s] as ti.SMA).nextValue(p);
    const b = (longs[s] as ti.SMA).nextValue(p);
    if (a === undefined || b === undefined) continue;
    rule(s, a > b ? 1 : a < b ? -1 : 0, i, events);
  }
  return events;
}

/**
 * The floor: what a careful hand-written loop does — each symbol's two running sums of
 * units, count, last sign and ring side by side in one Float64Array, the same integer sign
 * rule — with none of a library's checks (order, duplicates, the 2^53 fallback). Shaped for
 * interleaved symbols as TrendBook is: power-of-two rings indexed by a counter, and one
 * "same sign as before?" branch. (Separate arrays per field measured 13 to 36 ns/tick from
 * one process to the next, as their addresses fell.)
 */
function runBareLoop(m: Market): Events {
  const RING = 32; // a power of two ≥ LONG
  const MASK = RING - 1;
  const STRIDE = 8 + RING; // sumS, sumL, count, last sign, padding, then the ring
  const state = new Float64Array(m.symbols * STRIDE);
  const events: Events = [];
  const { symbol, units } = m;
  for (let i = 0; i < m.n; i++) {
    const o = (symbol[i] as number) * STRIDE;
    const u = units[i] as number;
    const k = state[o + 2] as number;
    const r = o + 8;
    // Entries not yet written hold 0, so the sums need no branch while the windows fill.
    const sh = (state[o] as number) + u - (state[r + ((k - SHORT) & MASK)] as number);
    const l = (state[o + 1] as number) + u - (state[r + ((k - LONG) & MASK)] as number);
    state[o] = sh;
    state[o + 1] = l;
    state[r + (k & MASK)] = u;
    state[o + 2] = k + 1;
    if (k + 1 < LONG) continue;
    const d = LONG * sh - SHORT * l;
    const prev = state[o + 3] as number;
    if (d * prev > 0) continue;
    const sign = d > 0 ? 1 : d < 0 ? -1 : 0;
    if (sign === 0) continue;
    if (prev !== 0 && prev !== sign) events.push(i * 2 + (sign > 0 ? 0 : 1));
    state[o + 3] = sign;
  }
  return events;
}

/** The floor for one symbol: scalars only. */
function runBareLoopOneSymbol(m: Market): Events {
  const ring = new Float64Array(LONG);
  let sumS = 0;
  let sumL = 0;
  let h = 0;
  let k = 0;
  let last = 0;
  const events: Events = [];
  const { units } = m;
  for (let i = 0; i < m.n; i++) {
    const u = units[i] as number;
    let behind = h - SHORT;
    if (behind < 0) behind += LONG;
    sumL += u - (k >= LONG ? (ring[h] as number) : 0);
    sumS += u - (k >= SHORT ? (ring[behind] as number) : 0);
    ring[h] = u;
    h = h + 1 === LONG ? 0 : h + 1;
    if (k < LONG) {
      k++;
      if (k < LONG) continue;
    }
    const a = LONG * sumS;
    const b = SHORT * sumL;
    const sign = a > b ? 1 : a < b ? -1 : 0;
    if (sign === 0) continue;
    if (last !== 0 && last !== sign) events.push(i * 2 + (sign > 0 ? 0 : 1));
    last = sign;
  }
  return events;
}

/** Count of positions where two event lists differ (0 = identical). */
function differences(a: Events, b: Events): number {
  const sa = new Set(a);
  const sb = new Set(b);
  let d = 0;
  for (const x of sa) if (!sb.has(x)) d++;
  for (const x of sb) if (!sa.has(x)) d++;
  return d;
}

export interface DomainRow {
  ticks: number;
  symbols: number;
  /**
   * `tickflow` is tickflow's form for the scenario: a `TrendTracker` for one symbol, a
   * `TrendBook` for many; `tickflowTrackers` (many symbols only) is one `TrendTracker` per symbol.
   */
  nsPerTick: {
    tickflow: number;
    tickflowTrackers?: number;
    tradingSignals: number;
    technicalIndicators: number;
    bareLoop: number;
  };
  events: number;
  /** Events that differ from tickflow's (0 = identical). */
  differences: { tickflowTrackers?: number; tradingSignals: number; technicalIndicators: number; bareLoop: number };
  /** ns/tick of the fastest library peer ÷ tickflow's. */
  speedupOverBestPeer: number;
  /** The same for one `TrendTracker` per symbol (many symbols only). */
  trackersSpeedupOverBestPeer?: number;
  ratioToBareLoop: number;
  /** Child processes measured (each `reps` times); the figures are medians over them. */
  processes?: number;
  /** The lowest and highest `speedupOverBestPeer` of a single process. */
  speedupRange?: [number, number];
}

/** Measures the domain row for one market shape, in this process. */
function measureDomain(ticks: number, symbols: number, reps: number): DomainRow {
  const m = makeMarket(ticks, symbols);
  const many = symbols > 1;
  const impls = {
    tickflow: many ? runTickflowBook : runTickflow,
    ...(many ? { tickflowTrackers: runTickflow } : {}),
    tradingSignals: runTradingSignals,
    technicalIndicators: runTechnicalIndicators,
    // Separate functions, so neither's compiled code is shaped by the other's runs.
    bareLoop: many ? runBareLoop : runBareLoopOneSymbol,
  };
  const results = {} as Record<keyof typeof impls, Events>;
  const ns = {} as Record<keyof typeof impls, number>;
  for (const [name, run] of Object.entries(impls) as [keyof typeof impls, (m: Market) => Events][]) {
    const samples: number[] = [];
    for (let r = 0; r < reps; r++) {
      const { ms, value } = time(() => run(m));
      samples.push((ms * 1e6) / ticks);
      results[name] = value;
    }
    ns[name] = median(samples);
  }
  const bestPeer = Math.min(ns.tradingSignals, ns.technicalIndicators);
  return {
    ticks,
    symbols,
    nsPerTick: ns,
    events: results.tickflow.length,
    differences: {
      ...(many ? { tickflowTrackers: differences(results.tickflow, results.tickflowTrackers as Events) } : {}),
      tradingSignals: differences(results.tickflow, results.tradingSignals),
      technicalIndicators: differences(results.tickflow, results.technicalIndicators),
      bareLoop: differences(results.tickflow, results.bareLoop),
    },
    speedupOverBestPeer: bestPeer / ns.tickflow,
    ...(many ? { trackersSpeedupOverBestPeer: bestPeer / (ns.tickflowTrackers as number) } : {}),
    ratioToBareLoop: ns.tickflow / ns.bareLoop,
  };
}

if (process.argv[2] === '--run') {
  process.stdout.write(JSON.stringify(measureDomain(Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]))));
  process.exit(0);
}

/**
 * Runs the domain row for one market shape in `processes` child processes, each running
 * this file's bundle under plain node (see bundle.ts) and loading nothing else: tickflow, the
 * peers and the floor side by side, away from the rest of the bench. (In a process that had
 * loaded the whole flow through tsx, the floor's loop ran 2–3× slower: the detached-buffer
 * checks bundle.ts describes, on every typed-array access.) The peers' times move more between processes
 * than within one (trading-signals: 77 to 101 ns/tick on 100 symbols), so each figure is the
 * median over the processes of each process's median, and `speedupRange` gives the spread.
 */
export async function domainRow(ticks: number, symbols: number, reps: number, processes = 3): Promise<DomainRow> {
  const runs: DomainRow[] = [];
  const script = await bundled(fileURLToPath(import.meta.url));
  for (let p = 0; p < processes; p++) {
    const { stdout } = await promisify(execFile)(process.execPath, [script, '--run', String(ticks), String(symbols), String(reps)], {
      maxBuffer: 1 << 20,
    });
    runs.push(JSON.parse(stdout) as DomainRow);
  }
  const first = runs[0] as DomainRow;
  // Events are deterministic: every process must have found the same differences.
  if (runs.some((r) => JSON.stringify(r.differences) !== JSON.stringify(first.differences)))
    throw new Error('the domain processes disagree on the events');
  const ns = Object.fromEntries(
    Object.keys(first.nsPerTick).map((name) => [
      name,
      median(runs.map((r) => r.nsPerTick[name as keyof DomainRow['nsPerTick']] as number)),
    ]),
  ) as DomainRow['nsPerTick'];
  const bestPeer = Math.min(ns.tradingSignals, ns.technicalIndicators);
  const speedups = runs.map((r) => r.speedupOverBestPeer);
  return {
    ...first,
    nsPerTick: ns,
    speedupOverBestPeer: bestPeer / ns.tickflow,
    ...(ns.tickflowTrackers === undefined ? {} : { trackersSpeedupOverBestPeer: bestPeer / ns.tickflowTrackers }),
    ratioToBareLoop: ns.tickflow / ns.bareLoop,
    processes,
    speedupRange: [Math.min(...speedups), Math.max(...speedups)],
  };
}
