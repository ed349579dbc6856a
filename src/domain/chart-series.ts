import type { Alert } from '../ports/model.js';
import type { FlowCounts } from './flow-stats.js';

/**
 * One point of a drawn series: an applied tick and the SMAs just after it.
 *
 * @example
 * const p: ChartPoint = { t: 1704205800000, price: 187.43, smaShort: 187.2, smaLong: null };
 */
export interface ChartPoint {
  /** Epoch milliseconds of the tick. */
  readonly t: number;
  readonly price: number;
  /** `null` until the period's first window is full. */
  readonly smaShort: number | null;
  readonly smaLong: number | null;
}

/**
 * One symbol's drawn series, in columns (small as JSON, quick to parse in a page). Times
 * strictly increase. Volume bars sum the volume of each bucket of ticks and stand at the
 * time of the bucket's last tick.
 *
 * @example
 * const s: ChartSeries = new SeriesDownsampler().toSeries('AAPL');
 * s.t.length === s.price.length; // true
 */
export interface ChartSeries {
  readonly symbol: string;
  /** Applied ticks the series stands for. */
  readonly ticks: number;
  /** Applied ticks per volume bar (1 while nothing was merged). */
  readonly ticksPerBar: number;
  readonly t: number[];
  readonly price: number[];
  readonly smaShort: (number | null)[];
  readonly smaLong: (number | null)[];
  readonly volumeT: number[];
  readonly volume: number[];
}

/**
 * Everything a chart report shows: where the data came from, the run's counts when known,
 * each symbol's drawn series, and every alert.
 *
 * @example
 * const report: ChartReport = { title: 'tickflow replay', generatedAt: Date.now(), short: 5, long: 20, series: [], alerts: [] };
 */
export interface ChartReport {
  readonly title: string;
  /** One line saying what was read, e.g. `csv file ticks.csv`. */
  readonly describe?: string;
  /** Epoch ms the report was made. */
  readonly generatedAt: number;
  readonly short: number;
  readonly long: number;
  /** The run's counts (a replay knows them; a report over the lake does not). */
  readonly counts?: FlowCounts;
  readonly series: readonly ChartSeries[];
  /** Every alert, in `compareAlerts` order. */
  readonly alerts: readonly Alert[];
}

/**
 * Buckets a `SeriesDownsampler` keeps by default: at most 4 × 1,024 drawn points per symbol.
 *
 * @example
 * new SeriesDownsampler(DEFAULT_MAX_BUCKETS / 2); // half the detail
 */
export const DEFAULT_MAX_BUCKETS = 1024;

interface Bucket {
  first: ChartPoint;
  min: ChartPoint;
  max: ChartPoint;
  last: ChartPoint;
  volume: number;
  count: number;
}

/**
 * Downsamples a series as it streams in, in memory bounded by `maxBuckets`: consecutive
 * ticks fall into buckets of equal count, each drawn as its first, lowest, highest and last
 * point (so the price envelope survives); when the buckets run out, neighbours merge pairwise
 * and the bucket size doubles. Pinned points (the crossovers) are always kept.
 *
 * Buckets count ticks rather than time because the chart's time axis spaces points evenly
 * (one slot per point), whatever the gaps between them.
 *
 * @example
 * const d = new SeriesDownsampler(2);
 * for (let i = 0; i < 100; i++) d.push({ t: i, price: i % 7, smaShort: null, smaLong: null }, 1);
 * d.toSeries('X').t.length; // ≤ 8
 */
export class SeriesDownsampler {
  readonly maxBuckets: number;
  private size = 1;
  private count = 0;
  private buckets: Bucket[] = [];
  private readonly pinned: ChartPoint[] = [];

  constructor(maxBuckets: number = DEFAULT_MAX_BUCKETS) {
    if (!Number.isInteger(maxBuckets) || maxBuckets < 2 || maxBuckets % 2 !== 0) {
      throw new RangeError(`maxBuckets must be an even whole number ≥ 2, got ${maxBuckets}`);
    }
    this.maxBuckets = maxBuckets;
  }

  /**
   * Adds the next point (later than every point so far) and its tick's volume; `pin` keeps it
   * drawn. A point that stands for `ticks` ticks (a row of an already downsampled `series`:
   * `volume` is then their total) counts as that many.
   */
  push(point: ChartPoint, volume: number, pin = false, ticks = 1): void {
    this.count += ticks;
    if (pin) this.pinned.push(point);
    let bucket = this.buckets[this.buckets.length - 1];
    if (bucket === undefined || bucket.count >= this.size) {
      bucket = { first: point, min: point, max: point, last: point, volume: 0, count: 0 };
      this.buckets.push(bucket);
    }
    bucket.count += ticks;
    bucket.volume += volume;
    bucket.last = point;
    if (point.price < bucket.min.price) bucket.min = point;
    if (point.price > bucket.max.price) bucket.max = point;
    if (this.buckets.length > this.maxBuckets) this.merge();
  }

  /** Ticks pushed so far (a point standing for several counts as that many). */
  get ticks(): number {
    return this.count;
  }

  /** The last point pushed, if any. */
  get lastPoint(): ChartPoint | undefined {
    return this.buckets[this.buckets.length - 1]?.last;
  }

  /**
   * The drawn series: each bucket's distinct first/min/max/last points, the pinned points
   * and `extra` (e.g. the alerts' own points), in time order, one point per time.
   */
  toSeries(symbol: string, extra: readonly ChartPoint[] = []): ChartSeries {
    const points: ChartPoint[] = [...this.pinned, ...extra];
    const volumeT: number[] = [];
    const volume: number[] = [];
    for (const b of this.buckets) {
      points.push(b.first, b.min, b.max, b.last);
      volumeT.push(b.last.t);
      volume.push(b.volume);
    }
    points.sort((a, b) => a.t - b.t);
    const series: ChartSeries = {
      symbol,
      ticks: this.count,
      ticksPerBar: this.size,
      t: [],
      price: [],
      smaShort: [],
      smaLong: [],
      volumeT,
      volume,
    };
    let last = Number.NEGATIVE_INFINITY;
    for (const p of points) {
      if (p.t <= last) continue;
      last = p.t;
      series.t.push(p.t);
      series.price.push(p.price);
      series.smaShort.push(p.smaShort);
      series.smaLong.push(p.smaLong);
    }
    return series;
  }

  private merge(): void {
    const merged: Bucket[] = [];
    for (let i = 0; i < this.buckets.length; i += 2) {
      const a = this.buckets[i] as Bucket;
      const b = this.buckets[i + 1];
      if (b === undefined) {
        merged.push(a);
        continue;
      }
      merged.push({
        first: a.first,
        min: b.min.price < a.min.price ? b.min : a.min,
        max: b.max.price > a.max.price ? b.max : a.max,
        last: b.last,
        volume: a.volume + b.volume,
        count: a.count + b.count,
      });
    }
    this.buckets = merged;
    this.size *= 2;
  }
}

/**
 * The point an alert stands at: its tick's time, price and SMAs.
 *
 * @example
 * alertPoint(alert); // { t: alert.timestamp, price: alert.price, smaShort: alert.smaShort, smaLong: alert.smaLong }
 */
export function alertPoint(alert: Alert): ChartPoint {
  return { t: alert.timestamp, price: alert.price, smaShort: alert.smaShort, smaLong: alert.smaLong };
}
