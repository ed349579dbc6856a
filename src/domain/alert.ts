import type { Alert, Signal, Trend } from '../ports/model.js';

/**
 * The deterministic id of an alert: `symbol#timestamp#signal`.
 *
 * @example
 * alertId('AAPL', 1704205800000, 'GOLDEN_CROSS'); // 'AAPL#1704205800000#GOLDEN_CROSS'
 */
export function alertId(symbol: string, timestamp: number, signal: Signal): string {
  return `${symbol}#${timestamp}#${signal}`;
}

/**
 * The trend a signal announces.
 *
 * @example
 * trendOf('DEATH_CROSS'); // 'DOWNTREND'
 */
export function trendOf(signal: Signal): Trend {
  return signal === 'GOLDEN_CROSS' ? 'UPTREND' : 'DOWNTREND';
}

/**
 * Builds an alert with its id and trend.
 *
 * @example
 * makeAlert({ symbol: 'AAPL', signal: 'GOLDEN_CROSS', timestamp: 1704205800000, price: 187.43, smaShort: 187.2, smaLong: 187.1 }).id;
 * // 'AAPL#1704205800000#GOLDEN_CROSS'
 */
export function makeAlert(fields: Omit<Alert, 'id' | 'trend'>): Alert {
  return {
    id: alertId(fields.symbol, fields.timestamp, fields.signal),
    symbol: fields.symbol,
    signal: fields.signal,
    trend: trendOf(fields.signal),
    timestamp: fields.timestamp,
    price: fields.price,
    smaShort: fields.smaShort,
    smaLong: fields.smaLong,
  };
}

/**
 * Orders alerts by time, then symbol, then signal: the order reports and tests compare in.
 *
 * @example
 * alerts.sort(compareAlerts);
 */
export function compareAlerts(a: Alert, b: Alert): number {
  return (
    a.timestamp - b.timestamp ||
    (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0) ||
    (a.signal < b.signal ? -1 : a.signal > b.signal ? 1 : 0)
  );
}
