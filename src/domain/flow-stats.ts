import type { FlowObserver, IngestReport } from '../ports/flow-observer.port.js';
import type { Alert, RejectCode } from '../ports/model.js';

/** Counts of a run of the flow (replay summary, dashboard counters). */
export interface FlowCounts {
  /** Records that entered: settled by ingest, or refused by the source. */
  ticksIn: number;
  /** Valid ticks archived. */
  accepted: number;
  /** Of the accepted: applied to the indicators, duplicates, late. */
  applied: number;
  duplicates: number;
  late: number;
  /** Rejected records by code (at ingest or by the source). */
  rejected: Partial<Record<RejectCode, number>>;
  rejectedTotal: number;
  alerts: { GOLDEN_CROSS: number; DEATH_CROSS: number };
  /** The first rejection messages (at most `FlowStats.SAMPLES`), e.g. `ticks.csv line 7: …`. */
  rejectionSamples: string[];
}

/**
 * A `FlowObserver` that counts: ticks in, accepted, rejected by code, duplicates/late, alerts
 * by signal.
 *
 * @example
 * const stats = new FlowStats();
 * stats.ingested(report);
 * stats.counts.accepted; // valid ticks so far
 */
export class FlowStats implements FlowObserver {
  readonly counts: FlowCounts = {
    ticksIn: 0,
    accepted: 0,
    applied: 0,
    duplicates: 0,
    late: 0,
    rejected: {},
    rejectedTotal: 0,
    alerts: { GOLDEN_CROSS: 0, DEATH_CROSS: 0 },
    rejectionSamples: [],
  };
  /** How many rejection messages are kept as samples. */
  static readonly SAMPLES = 20;

  ingested(report: IngestReport): void {
    const c = this.counts;
    c.accepted += report.accepted.length;
    c.applied += report.applied;
    c.duplicates += report.duplicates;
    c.late += report.late;
    c.ticksIn += report.accepted.length;
    for (const [code, n] of Object.entries(report.rejected) as [RejectCode, number][]) this.reject(code, n);
    for (const r of report.rejections) this.sample(`${r.code}: ${r.message} (record ${r.sequence})`);
  }

  alerted(alerts: readonly Alert[]): void {
    for (const a of alerts) this.counts.alerts[a.signal]++;
  }

  sourceRejected(code: RejectCode, message: string): void {
    this.reject(code, 1);
    this.sample(`${code}: ${message}`);
  }

  private sample(text: string): void {
    if (this.counts.rejectionSamples.length < FlowStats.SAMPLES) this.counts.rejectionSamples.push(text);
  }

  private reject(code: RejectCode, n: number): void {
    const c = this.counts;
    c.rejected[code] = (c.rejected[code] ?? 0) + n;
    c.rejectedTotal += n;
    c.ticksIn += n;
  }
}

/**
 * Sends every event to each of several observers (stats, dashboard, logs).
 *
 * @example
 * const observer = new FanOutObserver([stats, dashboard]);
 */
export class FanOutObserver implements FlowObserver {
  constructor(private readonly observers: readonly FlowObserver[]) {}
  ingested(report: IngestReport): void {
    for (const o of this.observers) o.ingested(report);
  }
  alerted(alerts: readonly Alert[]): void {
    for (const o of this.observers) o.alerted(alerts);
  }
  sourceRejected(code: RejectCode, message: string): void {
    for (const o of this.observers) o.sourceRejected(code, message);
  }
}
