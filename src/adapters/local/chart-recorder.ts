import { compareAlerts } from '../../domain/alert.js';
import { alertPoint, type ChartPoint, type ChartReport, type ChartSeries, SeriesDownsampler } from '../../domain/chart-series.js';
import type { FlowCounts } from '../../domain/flow-stats.js';
import { resolveTrendOptions, TickOutcome, type TrendOptions, TrendTracker } from '../../domain/trend-tracker.js';
import type { FlowObserver, IngestReport } from '../../ports/flow-observer.port.js';
import type { Alert } from '../../ports/model.js';

/**
 * Options of a `ChartRecorder`.
 *
 * @example
 * const options: ChartRecorderOptions = { short: 5, long: 20, maxBuckets: 512 };
 */
export interface ChartRecorderOptions extends TrendOptions {
  /** Buckets per symbol (default 1,024: at most about 4,096 drawn points, plus the crossovers). */
  readonly maxBuckets?: number;
  /** Called with each applied tick's point as it is recorded (the live dashboard's feed). */
  readonly onPoint?: (symbol: string, point: ChartPoint, volume: number, crossover: boolean) => void;
}

interface SymbolTrack {
  readonly tracker: TrendTracker;
  readonly samples: SeriesDownsampler;
}

/**
 * A `FlowObserver` that records what a chart needs: per symbol, the applied ticks with
 * SMA-short and SMA-long computed exactly by the domain's `TrendTracker` (the same rule,
 * so duplicates and late ticks are left out as the flow leaves them out), downsampled on the
 * fly so memory stays bounded, and every alert the flow published.
 *
 * @example
 * const recorder = new ChartRecorder({ short: 5, long: 20 });
 * await replay(ticks, { observers: [recorder] });
 * const report = recorder.toReport({ title: 'my replay', generatedAt: Date.now() });
 */
export class ChartRecorder implements FlowObserver {
  private readonly tracks = new Map<string, SymbolTrack>();
  private readonly published: Alert[] = [];
  private readonly trend: Required<TrendOptions>;

  constructor(private readonly options: ChartRecorderOptions = {}) {
    this.trend = resolveTrendOptions(options);
  }

  ingested(report: IngestReport): void {
    const onPoint = this.options.onPoint;
    for (const tick of report.accepted) {
      const track = this.track(tick.symbol);
      const outcome = track.tracker.update(tick.timestamp, tick.units);
      if (outcome === TickOutcome.Duplicate || outcome === TickOutcome.Late) continue;
      const point: ChartPoint = {
        t: tick.timestamp,
        price: tick.price,
        smaShort: track.tracker.smaShort ?? null,
        smaLong: track.tracker.smaLong ?? null,
      };
      const crossover = outcome !== TickOutcome.Applied;
      track.samples.push(point, tick.volume, crossover);
      onPoint?.(tick.symbol, point, tick.volume, crossover);
    }
  }

  alerted(alerts: readonly Alert[]): void {
    for (const a of alerts) this.published.push(a);
  }

  sourceRejected(): void {}

  /** Every alert published so far, in time order. */
  alerts(): Alert[] {
    return [...this.published].sort(compareAlerts);
  }

  /** Each symbol's drawn series, by symbol; every alert's point is in its symbol's series. */
  series(): ChartSeries[] {
    const alertPoints = new Map<string, ChartPoint[]>();
    for (const a of this.published) {
      const list = alertPoints.get(a.symbol) ?? [];
      list.push(alertPoint(a));
      alertPoints.set(a.symbol, list);
    }
    return [...this.tracks.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([symbol, track]) => track.samples.toSeries(symbol, alertPoints.get(symbol)));
  }

  /** The whole report: the series, the alerts and the periods, with what the caller knows of the run. */
  toReport(about: { title: string; generatedAt: number; describe?: string; counts?: FlowCounts }): ChartReport {
    return {
      title: about.title,
      describe: about.describe,
      generatedAt: about.generatedAt,
      short: this.trend.short,
      long: this.trend.long,
      counts: about.counts,
      series: this.series(),
      alerts: this.alerts(),
    };
  }

  private track(symbol: string): SymbolTrack {
    let track = this.tracks.get(symbol);
    if (track === undefined) {
      track = { tracker: new TrendTracker(this.trend), samples: new SeriesDownsampler(this.options.maxBuckets) };
      this.tracks.set(symbol, track);
    }
    return track;
  }
}
