import type { LogFields, Logger } from '../../ports/logger.port.js';

type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** The keys of a log line that are the logger's own. */
const OWN_KEYS = ['level', 'time', 'message'];

/**
 * Writes JSON log lines (`{"level","time","message",…fields}`) to a stream, stderr by default,
 * from a minimum level. The fields are the caller's: never pass secrets. A field named like
 * one of the line's own keys is written as `field_<name>`, so it cannot replace them.
 *
 * @example
 * const logger = new JsonLogger({ level: 'info' });
 * logger.warn('batch partly failed', { failed: 3 });
 */
export class JsonLogger implements Logger {
  private readonly min: number;
  private readonly write: (line: string) => void;
  /** With `once`: the messages and kinds of error written so far. */
  private readonly seen: Set<string> | undefined;

  /**
   * `once`: each message at most once per kind of `error` field — its text with quoted parts
   * and numbers blanked, so the same failure on every batch's path shows once, and a second,
   * different cause under the same message shows too. For a command line, where a failure
   * repeated on every batch should show its cause, not flood the terminal.
   */
  constructor(options: { level?: Level; write?: (line: string) => void; once?: boolean } = {}) {
    this.min = RANK[options.level ?? 'info'];
    this.write = options.write ?? ((line) => process.stderr.write(line));
    this.seen = options.once ? new Set() : undefined;
  }
  debug(message: string, fields?: LogFields): void {
    this.log('debug', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.log('info', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.log('warn', message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.log('error', message, fields);
  }
  private log(level: Level, message: string, fields?: LogFields): void {
    if (RANK[level] < this.min) return;
    if (this.seen !== undefined) {
      const error = fields?.error;
      const kind = typeof error === 'string' ? errorKind(error) : '';
      const key = `${message}\u0000${kind}`;
      if (this.seen.has(key)) return;
      this.seen.add(key);
    }
    const own = fields !== undefined && OWN_KEYS.some((k) => Object.hasOwn(fields, k));
    const rest = own ? Object.fromEntries(Object.entries(fields).map(([k, v]) => [OWN_KEYS.includes(k) ? `field_${k}` : k, v])) : fields;
    this.write(`${JSON.stringify({ level, time: new Date().toISOString(), message, ...rest })}\n`);
  }
}

/**
 * An error's text with what changes from one occurrence of the same failure to the next
 * blanked: quoted parts (a quote inside a word, as in can't, opens none), paths (any word with
 * a slash or a backslash: `.tickflow/lake/raw/…`, `C:\\lake`), numbers.
 *
 * @example
 * errorKind("lake write of /lake/raw/symbol=AAPL/.7.tmp failed: EACCES"); // 'lake write of / failed: EACCES'
 */
export function errorKind(error: string): string {
  return error
    .replace(/"[^"]*"/g, '""')
    .replace(/(^|\W)'[^']*'(?!\w)/g, "$1''")
    .replace(/[^\s'",;()]*[/\\][^\s'",;()]*/g, '/')
    .replace(/\d+/g, '0');
}

/**
 * A logger that keeps its lines in memory (tests) or drops them (benchmarks).
 *
 * @example
 * const logger = new MemoryLogger();
 * logger.lines; // [{ level: 'warn', message: '…', fields: {…} }]
 */
export class MemoryLogger implements Logger {
  readonly lines: { level: Level; message: string; fields?: LogFields }[] = [];
  constructor(private readonly keep = true) {}
  debug(message: string, fields?: LogFields): void {
    this.push('debug', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.push('info', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.push('warn', message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.push('error', message, fields);
  }
  private push(level: Level, message: string, fields?: LogFields): void {
    if (this.keep) this.lines.push(fields === undefined ? { level, message } : { level, message, fields });
  }
}
