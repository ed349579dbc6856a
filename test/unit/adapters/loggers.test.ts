import { describe, expect, it } from 'vitest';
import { JsonLogger } from '../../../src/adapters/local/loggers.js';

describe('JsonLogger', () => {
  it('writes JSON lines from its level up, and with once each message only the first time', () => {
    const lines: string[] = [];
    const all = new JsonLogger({ level: 'warn', write: (l) => lines.push(l) });
    all.info('not shown');
    all.warn('lake write failed', { error: 'ENOTDIR' });
    all.warn('lake write failed', { error: 'ENOTDIR' });
    expect(lines.map((l) => JSON.parse(l).message)).toEqual(['lake write failed', 'lake write failed']);
    lines.length = 0;
    const once = new JsonLogger({ level: 'warn', once: true, write: (l) => lines.push(l) });
    for (let i = 0; i < 3; i++) once.warn('lake write failed', { error: 'ENOTDIR', batch: i });
    once.error('retries exhausted', { count: 5 });
    once.error('retries exhausted', { count: 6 });
    expect(lines.map((l) => JSON.parse(l))).toMatchObject([
      { level: 'warn', message: 'lake write failed', error: 'ENOTDIR', batch: 0 },
      { level: 'error', message: 'retries exhausted', count: 5 },
    ]);
  });
});
