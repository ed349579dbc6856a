import { toKinesisEvent } from '../src/adapters/lambda-events/kinesis-event.js';
import { ManualClock } from '../src/adapters/local/clocks.js';
import { MemoryLogger } from '../src/adapters/local/loggers.js';
import { MemoryLake } from '../src/adapters/local/memory-lake.js';
import { MemoryMarketStore } from '../src/adapters/local/memory-market-store.js';
import { SimulatedTickSource } from '../src/adapters/sources/simulated-tick-source.js';
import { FlowStats } from '../src/domain/flow-stats.js';
import { IngestBatch } from '../src/domain/usecases/ingest-batch.js';
import { makeIngestHandler } from '../src/handlers/ingest.js';

const NOW = Date.UTC(2030, 0, 1);
const source = new SimulatedTickSource({ symbols: Array.from({ length: 100 }, (_, i) => `S${i}`), ticks: 10000, seed: 11 });
const enc = new TextEncoder();
const e = toKinesisEvent(
  [...source.generate()].map((it, i) => ({
    sequenceNumber: String(1e20 + i),
    partitionKey: 'k',
    data: enc.encode(JSON.stringify((it as any).record)),
  })),
  { shardId: 's' },
);
for (let r = 0; r < 30; r++) {
  const clock = new ManualClock(NOW);
  const lake = new MemoryLake();
  const store = new MemoryMarketStore({ clock });
  const logger = new MemoryLogger(false);
  const h = makeIngestHandler(new IngestBatch({ archive: lake, rejects: lake, store, clock, observer: new FlowStats(), logger }), logger);
  const t0 = performance.now();
  await h(e);
  const ms = performance.now() - t0;
  if (r % 5 === 4) console.log(`${((ms * 1e6) / 10000).toFixed(0)} ns/record`);
}
