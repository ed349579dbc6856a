import { appendFile } from 'node:fs/promises';
import { isoOf } from '../../domain/timestamp.js';
import type { AlertPublisher, AlertPublishReport } from '../../ports/alert-publisher.port.js';
import type { Alert } from '../../ports/model.js';

/**
 * An alert as one JSON line: the timestamp as ISO text, then the rest (the `--json` format).
 *
 * @example
 * alertJson(alert); // '{"symbol":"AAPL","signal":"GOLDEN_CROSS","trend":"UPTREND","timestamp":"2024-01-02T14:30:00.000Z",…}'
 */
export function alertJson(a: Alert): string {
  return JSON.stringify({
    symbol: a.symbol,
    signal: a.signal,
    trend: a.trend,
    timestamp: isoOf(a.timestamp),
    price: a.price,
    smaShort: a.smaShort,
    smaLong: a.smaLong,
    id: a.id,
  });
}

/**
 * An alert as a sentence for people.
 *
 * @example
 * alertText(alert); // '2024-01-02T14:30:00.000Z  AAPL  GOLDEN_CROSS (UPTREND) at 187.43  SMA-short 187.2 > SMA-long 187.1'
 */
export function alertText(a: Alert): string {
  const relation = a.signal === 'GOLDEN_CROSS' ? '>' : '<';
  return `${isoOf(a.timestamp)}  ${a.symbol}  ${a.signal} (${a.trend}) at ${a.price}  SMA-short ${a.smaShort} ${relation} SMA-long ${a.smaLong}`;
}

/**
 * Keeps published alerts in memory (replay results, tests), optionally calling back on each.
 *
 * @example
 * const alerts = new MemoryAlertPublisher();
 * alerts.published; // Alert[]
 */
export class MemoryAlertPublisher implements AlertPublisher {
  readonly published: Alert[] = [];
  constructor(private readonly options: { keep?: boolean; onAlert?: (alert: Alert) => void } = {}) {}
  async publish(alerts: readonly Alert[]): Promise<AlertPublishReport> {
    for (const a of alerts) {
      if (this.options.keep !== false) this.published.push(a);
      this.options.onAlert?.(a);
    }
    return { failed: [] };
  }
}

/**
 * Writes each alert as a line to a console stream: readable text, or JSON with `json: true`.
 *
 * @example
 * new ConsoleAlertPublisher({ json: true }); // one JSON alert per line on stdout
 */
export class ConsoleAlertPublisher implements AlertPublisher {
  constructor(private readonly options: { json?: boolean; write?: (line: string) => void } = {}) {}
  async publish(alerts: readonly Alert[]): Promise<AlertPublishReport> {
    const write = this.options.write ?? ((line: string) => process.stdout.write(line));
    for (const a of alerts) write(`${this.options.json ? alertJson(a) : alertText(a)}\n`);
    return { failed: [] };
  }
}

/**
 * Appends each alert as a JSON line to a file. A failed write reports every alert of the
 * call as failed, so the trend path keeps them pending and tries again.
 *
 * @example
 * new NdjsonFileAlertPublisher('alerts.ndjson');
 */
export class NdjsonFileAlertPublisher implements AlertPublisher {
  constructor(readonly path: string) {}
  async publish(alerts: readonly Alert[]): Promise<AlertPublishReport> {
    if (alerts.length === 0) return { failed: [] };
    try {
      await appendFile(this.path, alerts.map((a) => `${alertJson(a)}\n`).join(''));
      return { failed: [] };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { failed: alerts.map((alert) => ({ alert, error: message })) };
    }
  }
}
