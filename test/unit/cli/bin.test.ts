/**
 * The executable itself (src/cli/bin.ts), in a process of its own, its stdout a named pipe
 * (a FIFO) that the test reads late or never: how an interrupted run ends.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tickflow-bin-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Runs `tickflow args` with stdout into a new FIFO (opened read-write, so it never blocks or breaks). */
function tickflowInto(name: string, args: string[]): { child: ChildProcess; fifo: string; stderr: () => string } {
  const fifo = join(dir, name);
  execFileSync('mkfifo', [fifo]);
  const out = openSync(fifo, 'r+');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], { stdio: ['ignore', out, 'pipe'] });
  closeSync(out);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return { child, fifo, stderr: () => stderr };
}

/** CPU seconds a process has used (Linux; clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('tickflow (the executable)', () => {
  it('an interrupted replay --json delivers every alert its summary counts to a reader that comes late', async () => {
    const lake = join(dir, 'lake');
    const { child, fifo, stderr } = tickflowInto('replay.out', ['replay', '--ticks', '3M', '--lake', lake, '--json']);
    const code = exited(child);
    while (!existsSync(join(lake, 'raw'))) await sleep(100);
    await sleep(1000); // under way: enough alerts to overfill the pipe
    child.kill('SIGINT');
    await sleep(1000); // the reader comes a second later
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    // Listened for now: cat can be done before the child's exit is seen (a close missed is a hang).
    const readerClosed = new Promise((resolve) => reader.once('close', resolve));
    let lines = 0;
    reader.stdout.on('data', (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 10) lines++;
    });
    expect(await code).toBe(130);
    // The child held the FIFO's only writer: with it gone, cat reads to the end.
    await readerClosed;
    const counted = Number(/\n {2}alerts +([\d,]+)/.exec(stderr())?.[1]?.replace(/,/g, ''));
    expect(stderr()).toContain('INTERRUPTED');
    expect(counted).toBeGreaterThan(1000);
    expect(lines).toBe(counted);
  }, 60_000);

  it('an interrupted query ends, though its reader never reads', async () => {
    const lake = join(dir, 'query-lake');
    const made = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/bin.ts', 'replay', '--ticks', '300k', '--symbols', 'AAPL', '--lake', lake, '--quiet'],
      {
        stdio: 'ignore',
      },
    );
    expect(await exited(made)).toBe(0);
    const { child, stderr } = tickflowInto('query.out', ['query', 'series', '--lake', lake, '--json']);
    const code = exited(child);
    // Rows fill the pipe and queue up behind it; then Ctrl-C.
    while (!existsSync(join(lake, 'results', 'series'))) await sleep(100);
    await sleep(1000);
    child.kill('SIGINT');
    expect(await code).toBe(130);
    expect(stderr()).toContain('tickflow query: interrupted; no result was kept');
  }, 60_000);

  it('Ctrl-C stops a replay with no lake (nothing in it waits on I/O) and it reports how far it got', async () => {
    // 20M ticks take about a minute here: only the interrupt can end this test in time.
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'replay', '--ticks', '20M', '--no-lake'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = exited(child);
    // Past start-up (about 1.5 CPU-s with tsx): its handler is in and the replay under way.
    // (Its progress line is for a terminal only.)
    while (cpuSeconds(child.pid as number) < 3) await sleep(50);
    child.kill('SIGINT');
    const ended = await Promise.race([code, sleep(20_000).then(() => 'still running')]);
    if (ended === 'still running') child.kill('SIGKILL');
    expect(ended).toBe(130);
    expect(stderr).toContain('tickflow replay: interrupted');
    const read = Number(/stopped reading after ([\d,]+) ticks/.exec(stdout)?.[1]?.replace(/,/g, ''));
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(20_000_000);
  }, 30_000);
});
