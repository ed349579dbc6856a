/**
 * tickflow — the library API: the exact domain core, the use cases, the ports, the
 * adapters, the composition roots and `replay`. The handlers' logic is exported too, for
 * re-exporting from your own Lambda code, and so are the Lambda entry points themselves
 * (`ingestHandler`, `trendHandler`, `produceHandler`, `queryHandler`).
 */

export {
  fromDynamoStreamEvent,
  matchesFilter,
  TICK_INSERT_FILTER,
  toDynamoStreamEvent,
} from './adapters/lambda-events/dynamodb-stream-event.js';
export { fromKinesisEvent, toKinesisEvent } from './adapters/lambda-events/kinesis-event.js';
export {
  alertJson,
  alertText,
  ConsoleAlertPublisher,
  MemoryAlertPublisher,
  NdjsonFileAlertPublisher,
} from './adapters/local/alert-publishers.js';
export { ChartRecorder, type ChartRecorderOptions } from './adapters/local/chart-recorder.js';
export { ManualClock, SystemClock } from './adapters/local/clocks.js';
export {
  DashboardServer,
  type DashboardServerOptions,
  type DashboardSnapshot,
  type DashboardState,
  type DashboardUpdate,
} from './adapters/local/dashboard-server.js';
export { DuckDbAnalyticsEngine, type DuckDbEngineOptions } from './adapters/local/duckdb-analytics-engine.js';
export { DuckDbCatalog, type DuckDbCatalogOptions } from './adapters/local/duckdb-catalog.js';
export { LocalKinesisMapping, LocalStreamsMapping } from './adapters/local/event-source-mappings.js';
export { DEFAULT_LAKE_DIR, FolderLake } from './adapters/local/folder-lake.js';
export { renderHtmlReport, writeHtmlReport } from './adapters/local/html-report.js';
export { JsonLogger, MemoryLogger } from './adapters/local/loggers.js';
export { DiscardingLake, MemoryLake } from './adapters/local/memory-lake.js';
export { MemoryChangeFeed, MemoryMarketStore } from './adapters/local/memory-market-store.js';
export { MemoryStream } from './adapters/local/memory-stream.js';
export { appliedTicksSql, bindQuery, querySql } from './adapters/shared/analytics-sql.js';
export { decodeLines, encodeRejections, encodeTicks } from './adapters/shared/lake-codec.js';
export { LAKE_COLUMNS, LAKE_PARTITION_KEYS } from './adapters/shared/lake-schema.js';
export { CsvTickSource, IterableTickSource, NdjsonTickSource } from './adapters/sources/file-tick-source.js';
export { PacedTickSource, type PaceOptions } from './adapters/sources/paced-tick-source.js';
export { DEFAULT_SYMBOLS, SimulatedTickSource, seededRandom } from './adapters/sources/simulated-tick-source.js';
export { type AthenaConfig, parseAthenaConfig } from './container/aws-config.js';
export {
  type DashboardOptions,
  type DashboardOutcome,
  DEFAULT_DASHBOARD_SPEED,
  type RunningDashboard,
  startDashboard,
} from './container/dashboard.js';
export {
  LOCAL_FLOW,
  LocalFlow,
  type LocalOptions,
  localContainer,
  localModule,
  MEMORY_STREAM,
  type TrendSettings,
} from './container/local.js';
export { type ReplayOptions, type ReplayResult, replay } from './container/replay.js';
export * from './container/tokens.js';
export { alertId, compareAlerts, makeAlert, trendOf } from './domain/alert.js';
export {
  alertPoint,
  type ChartPoint,
  type ChartReport,
  type ChartSeries,
  DEFAULT_MAX_BUCKETS,
  SeriesDownsampler,
} from './domain/chart-series.js';
export { type EnrichContext, enrich, partitionDay, partitionOf } from './domain/enrich.js';
export { exactSign, ratioToDouble } from './domain/exact.js';
export { FanOutObserver, type FlowCounts, FlowStats } from './domain/flow-stats.js';
export { lakeLine, rawKey, rawPrefix, rejectedKey, rejectLine, resultKey } from './domain/lake-layout.js';
export { advanceLatest, type LatestView, viewLatest } from './domain/latest-aggregate.js';
export { MultiSymbolTracker, type TrackerCounts } from './domain/multi-symbol-tracker.js';
export { DEFAULT_PRICE_DECIMALS, formatUnits, MAX_UNITS, parseUnits, quantise, unitsToPrice } from './domain/price.js';
export { checkQueryParams, parseQueryRequest } from './domain/query-params.js';
export { MAX_PERIOD, SmaWindow } from './domain/sma-window.js';
export { alertKey, LATEST_KEY, parseTickKeys, symbolKey, TREND_KEY, tickKey } from './domain/store-layout.js';
export { MAX_SYMBOL_LENGTH, normaliseSymbol, parseSymbolList } from './domain/symbol.js';
export { dayOf, isoOf, parseIsoTimestamp, readTimestamp } from './domain/timestamp.js';
export {
  DEFAULT_LONG,
  DEFAULT_SHORT,
  resolveTrendOptions,
  TickOutcome,
  TrendBook,
  TrendCells,
  type TrendOptions,
  TrendTracker,
} from './domain/trend-tracker.js';
export { alertFromRow, buildReportFromEngine, type EngineReportParams } from './domain/usecases/build-report.js';
export {
  DEFAULT_PUBLISH_MS,
  DetectTrends,
  type DetectTrendsOptions,
  type DetectTrendsPorts,
  type DetectTrendsResult,
  type DetectTrendsRun,
} from './domain/usecases/detect-trends.js';
export {
  IngestBatch,
  type IngestInput,
  type IngestOptions,
  type IngestPorts,
  type IngestResult,
  type RecordOutcome,
} from './domain/usecases/ingest-batch.js';
export {
  encodeRecord,
  type ProduceOptions,
  type ProducePorts,
  type ProduceSummary,
  ProduceTicks,
} from './domain/usecases/produce-ticks.js';
export { Replay, type ReplayPorts, type ReplayStats } from './domain/usecases/replay.js';
export { MAX_RECORD_BYTES, type ValidateOptions, type ValidationResult, validateTick } from './domain/validate-tick.js';
export { makeIngestHandler } from './handlers/ingest.js';
export { makeProduceHandler, type ProduceResponse } from './handlers/produce.js';
export { makeQueryHandler, type QuerySummary } from './handlers/query.js';
export { makeTrendHandler } from './handlers/trend.js';
export { handler as ingestHandler } from './lambda/ingest.js';
export { handler as produceHandler } from './lambda/produce.js';
export { handler as queryHandler } from './lambda/query.js';
export { handler as trendHandler } from './lambda/trend.js';
export * from './ports/index.js';
