import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type LakePlace, LakeWriter } from '../../../src/adapters/local/lake-writer.js';

const roots: string[] = [];
afterAll(async () => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

const place = (dir: string, name: string): LakePlace => ({ path: join(dir, name), dir, tmp: join(dir, `.${name}.tmp`) });

describe('LakeWriter', () => {
  it('settles each write with its own outcome when a later message is answered before an earlier one', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tickflow-writer-'));
    roots.push(root);
    await writeFile(join(root, 'in-the-way'), 'a file where a folder should be');
    const writer = new LakeWriter();
    const body = new Uint8Array(64 * 1024).fill(7);
    // One message of many files (slow), one of them bound to fail: its folder is a file.
    const first = Array.from({ length: 400 }, (_, i) =>
      i === 200
        ? writer.write(place(join(root, 'in-the-way', 'sub'), 'x.bin'), body)
        : writer.write(place(join(root, `d${i % 20}`), `f${i}.bin`), body),
    );
    const outcomes = first.map((p) =>
      p.then(
        () => 'written',
        (e: Error) => e.message,
      ),
    );
    await new Promise((resolve) => setImmediate(resolve));
    // A second message of one small file: the thread answers it first.
    const second = await writer.write(place(join(root, 'late'), 'small.bin'), new Uint8Array([1, 2, 3])).then(
      () => 'written',
      (e: Error) => e.message,
    );
    const settled = await Promise.all(outcomes);
    expect(second).toBe('written');
    expect(settled[200]).toMatch(/^lake write of .*in-the-way\/sub\/x\.bin failed: ENOTDIR/);
    expect(settled.filter((o) => o === 'written')).toHaveLength(399);
    expect(await readFile(join(root, 'late', 'small.bin'))).toEqual(Buffer.from([1, 2, 3]));
    expect((await readFile(join(root, 'd3', 'f3.bin'))).length).toBe(body.length);
  });

  it('settles every write with its own outcome, whatever the messages and which of their writes fail', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tickflow-writer-'));
    roots.push(root);
    await writeFile(join(root, 'blocked'), 'a file where a folder should be');
    const writer = new LakeWriter();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        // Messages (one per turn of the event loop), each a list of writes: its size, and whether it must fail.
        fc.array(fc.array(fc.record({ kb: fc.integer({ min: 0, max: 64 }), fails: fc.boolean() }), { minLength: 1, maxLength: 40 }), {
          minLength: 1,
          maxLength: 5,
        }),
        async (messages) => {
          const dir = join(root, `run${++run}`);
          const pending: Promise<string>[] = [];
          const expected: string[] = [];
          for (const [m, writes] of messages.entries()) {
            writes.forEach(({ kb, fails }, w) => {
              const at = fails ? join(root, 'blocked', `m${m}`) : join(dir, `m${m}`);
              pending.push(
                writer.write(place(at, `w${w}.bin`), new Uint8Array(kb * 1024).fill(w)).then(
                  () => 'written',
                  () => 'failed',
                ),
              );
              expected.push(fails ? 'failed' : 'written');
            });
            await new Promise((resolve) => setImmediate(resolve));
          }
          expect(await Promise.all(pending)).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a writer thread that dies fails its own writes only, not those of the thread started in its place', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tickflow-writer-'));
    roots.push(root);
    const writer = new LakeWriter();
    await writer.write(place(root, 'a.bin'), new Uint8Array([1])); // the thread is running
    const first = (writer as unknown as { worker: Worker }).worker;
    // Between the dying thread's 'error' and its 'exit', a write goes to the thread started in its place.
    const next = new Promise<string>((resolve) => {
      first.once('error', () => {
        resolve(
          writer.write(place(root, 'b.bin'), new Uint8Array([2])).then(
            () => 'written',
            (e: Error) => e.message,
          ),
        );
      });
    });
    first.postMessage({ id: -1, bytes: new Uint8Array(1), jobs: null }); // a message it cannot read: the thread dies
    expect(await next).toBe('written');
    expect(await readFile(join(root, 'b.bin'))).toEqual(Buffer.from([2]));
  });

  it('a write that fails after its temporary file is written (the rename is refused) leaves no temporary file behind', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tickflow-writer-'));
    roots.push(root);
    const writer = new LakeWriter();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }), async (refused) => {
        const dir = await mkdtemp(join(root, 'run-'));
        const outcomes = await Promise.all(
          refused.map(async (isRefused, w) => {
            // A folder, not empty, where the object should go: the temporary file is written, the rename fails.
            if (isRefused) await mkdir(join(dir, `w${w}.bin`, 'inside'), { recursive: true });
            return writer.write(place(dir, `w${w}.bin`), new Uint8Array([w])).then(
              () => 'written',
              () => 'failed',
            );
          }),
        );
        expect(outcomes).toEqual(refused.map((r) => (r ? 'failed' : 'written')));
        expect((await readdir(dir)).filter((f) => f.startsWith('.'))).toEqual([]);
      }),
      { numRuns: 30 },
    );
  });
});
