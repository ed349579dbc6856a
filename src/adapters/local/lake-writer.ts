import { Worker } from 'node:worker_threads';
import { lakeLinesBound, writeLakeLines } from '../../domain/lake-layout.js';
import type { EnrichedTick } from '../../ports/model.js';

/**
 * The writer thread. A message is `{ id, bytes, jobs }`: for each job, its slice of `bytes`,
 * gzip'd if the job names a level, is written to a temporary dot-name and renamed into
 * place (the folder made when missing); the files of one message are written at once,
 * and the answer `{ id, errors }` lists each job's error or null, in order. Plain CommonJS in a string, so
 * it runs the same from the sources, the bundles and the tests, with nothing to resolve.
 */
const WRITER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { gzipSync } = require('node:zlib');
const fs = require('node:fs');
const { promisify } = require('node:util');
// The callback API: fs/promises' FileHandle per file costs several times more on this thread.
const [mkdir, writeFile, rename, rm] = [fs.mkdir, fs.writeFile, fs.rename, fs.rm].map((f) => promisify(f));
async function writeOne(bytes, job) {
  try {
    const data = bytes.subarray(job.start, job.end);
    const body = job.gzipLevel === undefined ? data : gzipSync(data, { level: job.gzipLevel });
    try {
      await writeFile(job.tmp, body);
    } catch (error) {
      if (!error || error.code !== 'ENOENT') throw error;
      await mkdir(job.dir, { recursive: true });
      await writeFile(job.tmp, body);
    }
    await rename(job.tmp, job.path);
    return null;
  } catch (error) {
    await rm(job.tmp, { force: true }).catch(() => {});
    return String((error && error.message) || error);
  }
}
parentPort.on('message', async ({ id, bytes, jobs }) => {
  // All of a message's files at once: on a virtual disk, many writes in flight take a
  // fraction of the time of the same writes one by one. Messages overlap, so an answer
  // may overtake an earlier one's: it names its message.
  parentPort.postMessage({ id, errors: await Promise.all(jobs.map((job) => writeOne(bytes, job))) });
});
`;

/** Where one object goes: its path, its folder, and the temporary name it is written under first. */
export interface LakePlace {
  readonly path: string;
  readonly dir: string;
  readonly tmp: string;
}

/** One object of a message: its place and its slice of the message's bytes. */
interface Job extends LakePlace {
  readonly start: number;
  readonly end: number;
  readonly gzipLevel?: number;
}

interface Pending {
  readonly job: Job;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * Writes lake objects on a thread of its own, so gzip and the file system run beside the
 * flow instead of in it. The objects asked for in one turn of the event loop are laid out
 * in one reused buffer and go over in one message (one copy, no allocation per object:
 * on the ingest path, an array per object kept the garbage collector busy). Each write's
 * promise settles when its file is in place, or fails with the reason. The thread starts
 * on first use, keeps the process alive only while writes are in flight, and is started
 * again if it dies (its unfinished writes fail, so their batch is retried).
 *
 * @example
 * await sharedLakeWriter().writeLines(place, ticks, 6, 6);
 */
export class LakeWriter {
  private worker: Worker | undefined;
  private queued: Pending[] = [];
  private buffer = new Uint8Array(1 << 20);
  private used = 0;
  /** Messages posted and not answered yet, by id (answers come in any order), with the thread each went to. */
  private readonly inFlight = new Map<number, { worker: Worker; batch: Pending[] }>();
  private nextId = 0;

  /** Writes the lake lines of `ticks` as one object, gzip'd at `gzipLevel`. */
  writeLines(place: LakePlace, ticks: readonly EnrichedTick[], priceDecimals: number, gzipLevel: number): Promise<void> {
    this.reserve(lakeLinesBound(ticks));
    const start = this.used;
    this.used = writeLakeLines(ticks, priceDecimals, this.buffer, start);
    return this.enqueue({ ...place, start, end: this.used, gzipLevel });
  }

  /** Writes `data` as one object, as it is. */
  write(place: LakePlace, data: Uint8Array): Promise<void> {
    this.reserve(data.length);
    const start = this.used;
    this.buffer.set(data, start);
    this.used += data.length;
    return this.enqueue({ ...place, start, end: this.used });
  }

  private reserve(bytes: number): void {
    if (this.used + bytes <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.used + bytes));
    grown.set(this.buffer.subarray(0, this.used));
    this.buffer = grown;
  }

  private enqueue(job: Job): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.queued.length === 0) queueMicrotask(() => this.post());
      this.queued.push({ job, resolve, reject });
    });
  }

  private post(): void {
    const batch = this.queued;
    const bytes = this.buffer.slice(0, this.used);
    this.queued = [];
    this.used = 0;
    if (batch.length === 0) return;
    let worker: Worker;
    const id = this.nextId++;
    try {
      worker = this.start();
      worker.postMessage({ id, bytes, jobs: batch.map((p) => p.job) }, [bytes.buffer]);
    } catch (error) {
      for (const p of batch) p.reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.inFlight.set(id, { worker, batch });
    worker.ref();
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(WRITER_SOURCE, { eval: true });
    worker.on('message', ({ id, errors }: { id: number; errors: (string | null)[] }) => {
      const batch = this.inFlight.get(id)?.batch ?? [];
      this.inFlight.delete(id);
      batch.forEach((p, i) => {
        const error = errors[i];
        if (error === null) p.resolve();
        else p.reject(new Error(`lake write of ${p.job.path} failed: ${error ?? 'no answer from the writer thread'}`));
      });
      if (![...this.inFlight.values()].some((m) => m.worker === worker)) worker.unref();
    });
    // A thread that fails fails its own messages only: its 'exit' comes after its 'error',
    // when a thread started in its place may already hold messages of its own.
    const fail = (reason: string) => {
      if (this.worker === worker) this.worker = undefined;
      for (const [id, message] of this.inFlight) {
        if (message.worker !== worker) continue;
        this.inFlight.delete(id);
        for (const p of message.batch) p.reject(new Error(`lake write of ${p.job.path} failed: ${reason}`));
      }
    };
    worker.on('error', (error) => fail(`the writer thread failed: ${error.message}`));
    worker.on('exit', (code) => fail(`the writer thread exited (code ${code})`));
    worker.unref();
    this.worker = worker;
    return worker;
  }
}

let shared: LakeWriter | undefined;

/**
 * The process's lake writer, shared by every `FolderLake`: one thread however many lakes.
 *
 * @example
 * const writer = sharedLakeWriter();
 */
export function sharedLakeWriter(): LakeWriter {
  if (shared === undefined) shared = new LakeWriter();
  return shared;
}
