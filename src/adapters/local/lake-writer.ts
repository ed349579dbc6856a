import { Worker } from 'node:worker_threads';

/**
 * The writer thread: for each job, gzip the bytes (or take them as they are), write them
 * to a temporary dot-name and rename that into place, creating the folder when it is
 * missing; the files of one message are written concurrently, answered together in order. Plain CommonJS in a string, so it runs the same from the sources, the bundles
 * and the tests, with nothing to resolve.
 */
const WRITER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { gzipSync } = require('node:zlib');
const { mkdir, writeFile, rename, rm } = require('node:fs/promises');
async function writeOne(job) {
  const body = job.gzipLevel === undefined ? job.data : gzipSync(job.data, { level: job.gzipLevel });
  try {
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
parentPort.on('message', async (jobs) => {
  // All of a message's files at once: on a virtual disk, many writes in flight take a
  // fraction of the time of the same writes one by one.
  parentPort.postMessage(await Promise.all(jobs.map(writeOne)));
});
`;

/** One object to write: its bytes, gzip'd at `gzipLevel` on the way if one is given. */
export interface LakeWrite {
  readonly path: string;
  readonly dir: string;
  readonly tmp: string;
  readonly data: Uint8Array;
  readonly gzipLevel?: number;
  /** Move `data`'s whole buffer to the writer thread instead of copying it: the caller owns it and will not touch it again. */
  readonly transfer?: boolean;
}

interface Pending {
  readonly job: LakeWrite;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * Writes lake objects on a thread of its own, so gzip and the file system run beside the
 * flow instead of in it. The writes asked for in one turn of the event loop go over in
 * one message; each write's promise settles when its file is in place (or fails with the
 * reason). The thread starts on first use, keeps the process alive only while writes are
 * in flight, and is started again if it dies (its unfinished writes fail, so the batch is
 * retried).
 *
 * @example
 * await sharedLakeWriter().write({ path, dir, tmp, text, level: 6 });
 */
export class LakeWriter {
  private worker: Worker | undefined;
  private queued: Pending[] = [];
  /** Messages posted and not answered yet, oldest first. */
  private readonly inFlight: Pending[][] = [];

  /** Writes one object; its promise settles when the file is in place. */
  write(job: LakeWrite): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.queued.length === 0) queueMicrotask(() => this.post());
      this.queued.push({ job, resolve, reject });
    });
  }

  private post(): void {
    const batch = this.queued;
    this.queued = [];
    if (batch.length === 0) return;
    let worker: Worker;
    try {
      worker = this.start();
      const transfer: ArrayBuffer[] = [];
      for (const { job } of batch) {
        const buffer = job.data.buffer;
        if (job.transfer === true && buffer instanceof ArrayBuffer && !transfer.includes(buffer)) transfer.push(buffer);
      }
      worker.postMessage(
        batch.map((p) => p.job),
        transfer,
      );
    } catch (error) {
      for (const p of batch) p.reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.inFlight.push(batch);
    worker.ref();
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(WRITER_SOURCE, { eval: true });
    worker.on('message', (errors: (string | null)[]) => {
      const batch = this.inFlight.shift() ?? [];
      batch.forEach((p, i) => {
        const error = errors[i];
        if (error === null || error === undefined) p.resolve();
        else p.reject(new Error(`lake write of ${p.job.path} failed: ${error}`));
      });
      if (this.inFlight.length === 0) worker.unref();
    });
    const fail = (reason: string) => {
      if (this.worker === worker) this.worker = undefined;
      for (const batch of this.inFlight.splice(0))
        for (const p of batch) p.reject(new Error(`lake write of ${p.job.path} failed: ${reason}`));
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
