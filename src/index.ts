/**
 * tickflow — the library API: the exact domain core, the use cases, the ports and the
 * adapters. Handlers live at `tickflow/lambda/*`, the command line at `tickflow` (bin).
 */

export { alertId, compareAlerts, makeAlert, trendOf } from './domain/alert.js';
export { type EnrichContext, enrich, partitionDay, partitionOf } from './domain/enrich.js';
export { exactSign, ratioToDouble } from './domain/exact.js';
export { advanceLatest, type LatestView, viewLatest } from './domain/latest-aggregate.js';
export { MultiSymbolTracker, type TrackerCounts } from './domain/multi-symbol-tracker.js';
export { DEFAULT_PRICE_DECIMALS, formatUnits, MAX_UNITS, parseUnits, quantise, unitsToPrice } from './domain/price.js';
export { MAX_PERIOD, SmaWindow } from './domain/sma-window.js';
export { MAX_SYMBOL_LENGTH, normaliseSymbol, parseSymbolList } from './domain/symbol.js';
export { dayOf, isoOf, parseIsoTimestamp, readTimestamp } from './domain/timestamp.js';
export {
  DEFAULT_LONG,
  DEFAULT_SHORT,
  resolveTrendOptions,
  TickOutcome,
  type TrendOptions,
  TrendTracker,
} from './domain/trend-tracker.js';
export { MAX_RECORD_BYTES, type ValidateOptions, type ValidationResult, validateTick } from './domain/validate-tick.js';
export type * from './ports/model.js';
