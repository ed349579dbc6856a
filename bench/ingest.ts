/**
 * Row 2: one 10,000-record Kinesis event (the largest batch) through the ingest handler with
 * in-memory adapters, records/s, beside the floor: base64-decode + JSON.parse of the same
 * records. Also with gzip'd records (the producer's option), to show what compression costs.
 */

import { gzipSync } from 'node:zlib';
import type { KinesisStreamEvent } from 'aws-lambda';
import { toKinesisEvent } from '../src/adapters/lambda-events/kinesis-event.js';
import { ManualClock } from '../src/adapters/local/clocks.js';
import { MemoryLogger } from '../src/adapters/local/loggers.js';
import { MemoryLake } from '../src/adapters/local/memory-lake.js';
import { MemoryMarketStore } from '../src/adapters/local/memory-market-store.js';
import { SimulatedTickSource } from '../src/adapters/sources/simulated-tick-source.js';
import { FlowStats } from '../src/domain/flow-stats.js';
import { IngestBatch } from '../src/domain/usecases/ingest-batch.js';
import { makeIngestHandler } from '../src/handlers/ingest.js';
import { median, time, timeAsync } from './util.js';

const RECORDS = 10_000;
const NOW = Date.UTC(2030, 0, 1);

function event(gzip: boolean): KinesisStreamEvent {
  const source = new SimulatedTickSource({ symbols: Array.from({ length: 100 }, (_, i) => `S${i}`), ticks: RECORDS, seed: 11 });
  const encoder = new TextEncoder();
  const records = [...source.generate()].map((item, i) => {
    const text = JSON.stringify((item as { record: unknown }).record);
    return { sequenceNumber: String(1e20 + i), partitionKey: 'k', data: gzip ? gzipSync(text) : encoder.encode(text) };
  });
  return toKinesisEvent(records, { shardId: 'shardId-000000000000' });
}

export interface IngestRow {
  records: number;
  recordsPerSecond: { handler: number; floor: number; handlerGzip: number };
  ratioToFloor: number;
  gzipCost: number;
}

/** Median records/s of the handler (fresh adapters each time) and of the floor. */
export async function ingestRow(reps: number): Promise<IngestRow> {
  const plain = event(false);
  const gz = event(true);
  const runHandler = async (e: KinesisStreamEvent) => {
    const clock = new ManualClock(NOW);
    const lake = new MemoryLake();
    const store = new MemoryMarketStore({ clock });
    const logger = new MemoryLogger(false);
    const handler = makeIngestHandler(
      new IngestBatch({ archive: lake, rejects: lake, store, clock, observer: new FlowStats(), logger }),
      logger,
    );
    const { ms, value } = await timeAsync(() => handler(e));
    if (value.batchItemFailures.length > 0) throw new Error('the bench batch failed');
    return ms;
  };
  const floor = () =>
    time(() => {
      let n = 0;
      for (const r of plain.Records) n += JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8')).volume > -1 ? 1 : 0;
      return n;
    }).ms;
  const h: number[] = [];
  const f: number[] = [];
  const g: number[] = [];
  for (let i = 0; i < reps + 2; i++) {
    // The first two rounds warm the JIT and are not counted.
    const a = await runHandler(plain);
    const b = floor();
    const c = await runHandler(gz);
    if (i >= 2) {
      h.push(a);
      f.push(b);
      g.push(c);
    }
  }
  const perSecond = (ms: number) => Math.round((RECORDS / ms) * 1000);
  const handler = perSecond(median(h));
  const floorRate = perSecond(median(f));
  const handlerGzip = perSecond(median(g));
  return {
    records: RECORDS,
    recordsPerSecond: { handler, floor: floorRate, handlerGzip },
    ratioToFloor: handler / floorRate,
    gzipCost: handler / handlerGzip,
  };
}
