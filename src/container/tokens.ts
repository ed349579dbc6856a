// DI tokens of the use cases and the configuration values (the ports' tokens live with the ports).

/** DI token of the `IngestBatch` use case, e.g. `container.get<IngestBatch>(INGEST_BATCH)`. */
export const INGEST_BATCH = Symbol.for('tickflow.IngestBatch');
/** DI token of the `DetectTrends` use case, e.g. `container.get<DetectTrends>(DETECT_TRENDS)`. */
export const DETECT_TRENDS = Symbol.for('tickflow.DetectTrends');
/** DI token of the `ProduceTicks` use case, e.g. `container.get<ProduceTicks>(PRODUCE_TICKS)`. */
export const PRODUCE_TICKS = Symbol.for('tickflow.ProduceTicks');
/** DI token of the local runtime's `FlowStats`, e.g. `container.get<FlowStats>(FLOW_STATS).counts`. */
export const FLOW_STATS = Symbol.for('tickflow.FlowStats');
/** DI token of the `TrendSettings` (SMA periods, price decimals) a container was built with. */
export const TREND_SETTINGS = Symbol.for('tickflow.TrendSettings');
