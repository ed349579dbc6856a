/** DI tokens of the use cases and the configuration values (the ports' tokens live with the ports). */
export const INGEST_BATCH = Symbol.for('tickflow.IngestBatch');
export const DETECT_TRENDS = Symbol.for('tickflow.DetectTrends');
export const PRODUCE_TICKS = Symbol.for('tickflow.ProduceTicks');
export const FLOW_STATS = Symbol.for('tickflow.FlowStats');
export const TREND_SETTINGS = Symbol.for('tickflow.TrendSettings');
