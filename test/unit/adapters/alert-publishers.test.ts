import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConsoleAlertPublisher, NdjsonFileAlertPublisher } from '../../../src/adapters/local/alert-publishers.js';
import type { Alert } from '../../../src/ports/model.js';

const alert: Alert = {
  id: 'AAPL#1704205800000#GOLDEN_CROSS',
  symbol: 'AAPL',
  signal: 'GOLDEN_CROSS',
  trend: 'UPTREND',
  timestamp: 1704205800000,
  price: 187.43,
  smaShort: 187.2,
  smaLong: 187.1,
};
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('console and NDJSON-file alert publishers', () => {
  it('the console publisher writes one line per alert, readable text or JSON', async () => {
    const lines: string[] = [];
    await new ConsoleAlertPublisher({ write: (l) => lines.push(l) }).publish([alert]);
    await new ConsoleAlertPublisher({ json: true, write: (l) => lines.push(l) }).publish([alert]);
    expect(lines[0]).toBe('2024-01-02T14:30:00.000Z  AAPL  GOLDEN_CROSS (UPTREND) at 187.43  SMA-short 187.2 > SMA-long 187.1\n');
    expect(JSON.parse(lines[1] ?? '')).toEqual({ ...alert, timestamp: '2024-01-02T14:30:00.000Z' });
  });

  it('the file publisher appends JSON lines, and reports every alert failed when it cannot write', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tickflow-alerts-'));
    dirs.push(dir);
    const file = new NdjsonFileAlertPublisher(join(dir, 'alerts.ndjson'));
    expect(await file.publish([alert])).toEqual({ failed: [] });
    expect(await file.publish([alert])).toEqual({ failed: [] });
    expect((await readFile(join(dir, 'alerts.ndjson'), 'utf8')).trim().split('\n')).toHaveLength(2);
    const broken = new NdjsonFileAlertPublisher(join(dir, 'missing-folder', 'alerts.ndjson'));
    const { failed } = await broken.publish([alert]);
    expect(failed.map((f) => f.alert.id)).toEqual([alert.id]);
    expect(failed[0]?.error).toMatch(/ENOENT/);
  });
});
