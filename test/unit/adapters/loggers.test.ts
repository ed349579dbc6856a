import { describe, expect, it } from 'vitest';
import { errorKind, JsonLogger } from '../../../src/adapters/local/loggers.js';

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
    // The same failure on each batch's own path and temporary name: once. A new cause: shown.
    for (const [i, path] of ['/lake/raw/symbol=AAPL/.77-ab.1.tmp', '/lake/raw/symbol=MSFT/.77-ab.2.tmp'].entries())
      once.warn('ingest: lake writes failed', { error: `Error: ENOSPC: no space left on device, open '${path}'`, failed: i + 1 });
    once.warn('ingest: lake writes failed', { error: "Error: EACCES: permission denied, open '/lake/raw/x'", failed: 1 });
    expect(lines.map((l) => JSON.parse(l))).toMatchObject([
      { level: 'warn', message: 'lake write failed', error: 'ENOTDIR', batch: 0 },
      { level: 'error', message: 'retries exhausted', count: 5 },
      { level: 'warn', message: 'ingest: lake writes failed', error: expect.stringContaining('ENOSPC'), failed: 1 },
      { level: 'warn', message: 'ingest: lake writes failed', error: expect.stringContaining('EACCES') },
    ]);
    expect(lines).toHaveLength(4);
  });

  it("a field named like the line's own keys cannot replace them: it is written as field_<name>", () => {
    const lines: string[] = [];
    const logger = new JsonLogger({ level: 'debug', write: (l) => lines.push(l) });
    logger.error('quarantined', { message: 'symbol must be …', level: 'debug', time: 'then', code: 'BAD_SYMBOL' });
    logger.info('plain', { count: 1 });
    const [clash, plain] = lines.map((l) => JSON.parse(l));
    expect(clash).toEqual({
      level: 'error',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      message: 'quarantined',
      field_message: 'symbol must be …',
      field_level: 'debug',
      field_time: 'then',
      code: 'BAD_SYMBOL',
    });
    expect(Object.keys(plain)).toEqual(['level', 'time', 'message', 'count']);
  });

  it('takes the same failure on every path for one kind, and tells different causes apart', () => {
    const at = (symbol: string) =>
      `lake write of /tmp/lake/raw/symbol=${symbol}/year=2024/month=01/day=02/.77-ab.1.tmp failed: ENOTDIR: not a directory`;
    expect(errorKind(at('AAPL'))).toBe(errorKind(at('MSFT')));
    // The default lake is a relative path.
    expect(errorKind(at('AAPL').replace('/tmp/lake', '.tickflow/lake'))).toBe(errorKind(at('MSFT').replace('/tmp/lake', '.tickflow/lake')));
    expect(errorKind(at('AAPL'))).not.toBe(errorKind(at('AAPL').replace('ENOTDIR: not a directory', 'EACCES: permission denied')));
    expect(errorKind("Error: ENOSPC: no space left on device, open '/lake/raw/x.tmp'")).toBe(
      errorKind("Error: ENOSPC: no space left on device, open '/lake/raw/y.tmp'"),
    );
    // A quote inside a word opens nothing: the quoted names that follow are blanked alike.
    expect(errorKind("can't write 'a' or 'b'")).toBe(errorKind("can't write 'c' or 'd'"));
    expect(errorKind("can't write 'a'")).not.toBe(errorKind("won't read 'a'"));
  });
});
