import { isUtf8 } from 'node:buffer';
import { createReadStream, type ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import { plainValue } from '../../domain/usecases/produce-ticks.js';
import { MAX_RECORD_BYTES, validateTick } from '../../domain/validate-tick.js';
import type { Clock } from '../../ports/clock.port.js';
import { SourceError } from '../../ports/errors.js';
import type { RejectCode } from '../../ports/model.js';
import type { SourceItem, TickSource } from '../../ports/tick-source.port.js';

/** Options of the file sources. */
export interface FileSourceOptions {
  readonly path: string;
  /** The clock validation uses for "not in the future". */
  readonly clock: Clock;
  /** Decimals prices are quantised to when checking them (default 6). */
  readonly priceDecimals?: number;
}

const REQUIRED = ['symbol', 'timestamp', 'price', 'volume'] as const;

/**
 * Splits one CSV line (RFC 4180 quoting within the line). `undefined` when a quote is not closed.
 *
 * @example
 * splitCsvLine('AAPL,"2024-01-02T14:30:00Z",187.43,100'); // ['AAPL', '2024-01-02T14:30:00Z', '187.43', '100']
 */
export function splitCsvLine(line: string): string[] | undefined {
  const out: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < line.length) {
    const c = line[i] as string;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
    i++;
  }
  if (quoted) return undefined;
  out.push(field);
  return out;
}

/** A CSV field as the raw tick value: numbers where the text is a plain number, the text otherwise. */
function numberOrText(text: string): unknown {
  const t = text.trim();
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) ? Number(t) : t;
}

/** Bytes of one line kept at most: a line past any record's size is `TOO_LARGE`, and its quarantine keeps this much of it (Kinesis's record limit). */
export const KEPT_LINE_BYTES = 1024 * 1024;

/** One line of a file as `readLines` gives it. */
interface FileLine {
  /** The line as UTF-8 text (bytes that are not UTF-8 read as U+FFFD), without its line break. */
  readonly text: string;
  /**
   * Its length in bytes, all of it (only the first `KEPT_LINE_BYTES` are kept), for a line
   * that ran over a read; a line inside one read is measured from its text when it may matter.
   */
  readonly bytes?: number;
  /** The kept bytes, when they are not UTF-8 text: a quarantine keeps them as they are. */
  readonly notUtf8?: Uint8Array;
}

/**
 * Reads a file's lines as `wc -l` and `grep -n` count them, a read's worth at a time: a
 * line ends at LF, and a CR just before it is dropped (CRLF); a CR anywhere else is part of
 * the line. A file whose first 64 KiB hold CRs and no LF (classic Mac line ends, as Excel
 * for Mac can still save) has its lines end at CR. Memory stays bounded: of a longer line
 * only the first `KEPT_LINE_BYTES` are kept. A file that cannot be read is a `SourceError`.
 */
async function* readLines(path: string): AsyncGenerator<FileLine[]> {
  let breakByte = LF;
  // The line begun in an earlier read: its kept pieces, its length, its last byte.
  let parts: Buffer[] = [];
  let kept = 0;
  let bytes = 0;
  let last = -1;
  const add = (piece: Buffer) => {
    if (piece.length === 0) return;
    bytes += piece.length;
    last = piece[piece.length - 1] as number;
    if (kept >= KEPT_LINE_BYTES) return;
    const take = Math.min(piece.length, KEPT_LINE_BYTES - kept);
    parts.push(take === piece.length ? piece : piece.subarray(0, take));
    kept += take;
  };
  const pending = (atBreak: boolean): FileLine => {
    let body = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, kept);
    if (atBreak && breakByte === LF && last === CR) {
      bytes--;
      if (body.length > bytes) body = body.subarray(0, bytes);
    }
    // A line cut at KEPT_LINE_BYTES may end inside a character: the cut is not a reason to call it not UTF-8.
    if (body.length < bytes) body = body.subarray(0, utf8Boundary(body));
    const out = { ...lineOf(body, false), bytes };
    parts = [];
    kept = 0;
    bytes = 0;
    last = -1;
    return out;
  };
  const cut = (chunk: Buffer): FileLine[] | undefined => {
    const first = chunk.indexOf(breakByte);
    if (first === -1) {
      add(chunk);
      return undefined;
    }
    add(chunk.subarray(0, first));
    const lines = [pending(true)];
    const end = chunk.lastIndexOf(breakByte);
    if (end > first) linesOf(chunk.subarray(first + 1, end), breakByte, lines);
    add(chunk.subarray(end + 1));
    return lines;
  };
  // Reads before the line break is decided: held until an LF shows or DECIDE_BYTES are in
  // (a pipe's first read may be a few bytes), and one byte more, so a CR that ends the window
  // before its LF does not pass for a classic Mac line end.
  let held: Buffer[] | undefined = [];
  let heldBytes = 0;
  const decide = (): Buffer => {
    const head = Buffer.concat(held ?? [], heldBytes);
    const window = head.subarray(0, DECIDE_BYTES + 1);
    breakByte = window.includes(LF) || !window.includes(CR) ? LF : CR;
    held = undefined;
    return head;
  };
  const stream = createReadStream(path, { highWaterMark: 64 * 1024 });
  try {
    for await (const chunk of gunzipped(stream)) {
      let next = chunk;
      if (held !== undefined) {
        held.push(chunk);
        heldBytes += chunk.length;
        if (!chunk.includes(LF) && heldBytes <= DECIDE_BYTES) continue;
        next = decide();
      }
      const lines = cut(next);
      if (lines !== undefined) yield lines;
    }
    if (held !== undefined) {
      const lines = cut(decide());
      if (lines !== undefined) yield lines;
    }
  } catch (error) {
    throw new SourceError(`cannot read ${path}: ${(error as Error).message}`);
  } finally {
    stream.destroy();
  }
  if (bytes > 0) yield [pending(false)];
}

/** Bytes read before a file's line break is decided (LF, or CR when these hold CRs and no LF). */
const DECIDE_BYTES = 64 * 1024;

/** The length of `bytes` without a UTF-8 sequence cut short at its end. */
function utf8Boundary(bytes: Buffer): number {
  for (let i = bytes.length - 1; i >= 0 && i >= bytes.length - 4; i--) {
    const b = bytes[i] as number;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return i + need > bytes.length ? i : bytes.length;
  }
  return bytes.length;
}

/** The whole lines of `segment` (no break at either end) into `out`: one decode when all of it is UTF-8. */
function linesOf(segment: Buffer, breakByte: number, out: FileLine[]): void {
  const crlf = breakByte === LF;
  if (isUtf8(segment)) {
    for (const text of segment.toString('utf8').split(crlf ? '\n' : '\r')) {
      out.push({ text: crlf && text.charCodeAt(text.length - 1) === CR ? text.slice(0, -1) : text });
    }
    return;
  }
  // Some line here is not UTF-8: line by line, so those keep their bytes.
  for (let from = 0; ; ) {
    const at = segment.indexOf(breakByte, from);
    out.push(lineOf(segment.subarray(from, at === -1 ? segment.length : at), crlf));
    if (at === -1) return;
    from = at + 1;
  }
}

/** One line's bytes as a `FileLine` (a CR at its end dropped with `crlf`). */
function lineOf(bytes: Buffer, crlf: boolean): FileLine {
  const body = crlf && bytes[bytes.length - 1] === CR ? bytes.subarray(0, -1) : bytes;
  const text = body.toString('utf8');
  return isUtf8(body) ? { text } : { text, notUtf8: body };
}

/**
 * Throws the `SourceError` of a path that is not there or is a folder (what a file source
 * would throw on its first read): a command checks it before it makes anything.
 *
 * @example
 * await checkFileToRead('nope.csv'); // SourceError: cannot read nope.csv: no such file
 */
export async function checkFileToRead(path: string): Promise<void> {
  let found: Awaited<ReturnType<typeof stat>>;
  try {
    found = await stat(path);
  } catch (error) {
    throw new SourceError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String((error as Error).message)}`,
    );
  }
  if (found.isDirectory()) throw new SourceError(`cannot read ${path}: it is a folder, not a file`);
}

/**
 * The bytes of a file stream, gunzipped when they begin as gzip does (1f 8b): a `.csv.gz`, or
 * a lake object, reads as its text. Told from the first chunk, so a pipe loses nothing.
 */
async function* gunzipped(stream: ReadStream): AsyncGenerator<Buffer> {
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await chunks.next();
  if (first.done) return;
  let head = first.value;
  // A pipe's first read may be one byte: the two that tell gzip are awaited.
  while (head.length < 2) {
    const more = await chunks.next();
    if (more.done) break;
    head = Buffer.concat([head, more.value]);
  }
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
  }
  if (!isGzip(head)) return yield* all();
  yield* inflated(all());
}

/** Bytes of gzip given to zlib at a time: what one slice inflates to is all that waits in memory. */
const INFLATE_SLICE = 8 * 1024;

/**
 * Gunzips slice by slice, handing on what each slice inflates to before the next is written
 * (memory bounded by one slice's output, however well the file compressed), and only then a
 * damaged stream's error. A gzip stream's own reader drops what it holds when it fails: a cut
 * `.gz` read by a consumer slower than zlib (a Kinesis producer) lost whole rows before the
 * cut (547 of 14,963).
 */
async function* inflated(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const inflate = createGunzip();
  const out: Buffer[] = [];
  let failure: Error | undefined;
  // What the pending write or end waits for: a failing zlib stream calls no write callback.
  let wake: (() => void) | undefined;
  // Flowing, never paused: each output chunk is taken as it is made, none waits in the stream.
  inflate.on('data', (chunk: Buffer) => out.push(chunk));
  inflate.on('error', (error) => {
    failure ??= error;
    wake?.();
  });
  const write = (slice: Buffer) =>
    new Promise<void>((settle) => {
      wake = settle;
      inflate.write(slice, (error) => {
        if (error) failure ??= error;
        settle();
      });
    });
  try {
    for await (const chunk of input) {
      for (let at = 0; at < chunk.length && failure === undefined; at += INFLATE_SLICE) {
        await write(chunk.subarray(at, at + INFLATE_SLICE));
        while (out.length > 0) yield out.shift() as Buffer;
      }
      if (failure !== undefined) break;
    }
    if (failure === undefined) {
      await new Promise<void>((settle) => {
        wake = settle;
        inflate.once('end', () => settle());
        inflate.end();
      });
    }
    while (out.length > 0) yield out.shift() as Buffer;
    if (failure !== undefined) throw failure;
  } finally {
    inflate.destroy();
  }
}

/**
 * Whether bytes begin as a gzip stream does (1f 8b).
 *
 * @example
 * isGzip(Buffer.from([0x1f, 0x8b, 8])); // true
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

const LF = 0x0a;
const CR = 0x0d;

abstract class LineFileSource implements TickSource {
  abstract readonly name: string;
  protected readonly label: string;
  /** The line being parsed: its size, and its bytes when they are not UTF-8. */
  private line: FileLine = { text: '' };

  constructor(protected readonly options: FileSourceOptions) {
    this.label = basename(options.path);
  }

  async *items(signal?: AbortSignal): AsyncIterable<SourceItem> {
    await checkFileToRead(this.options.path);
    let lineNo = 0;
    let blank = true;
    for await (const lines of readLines(this.options.path)) {
      for (const line of lines) {
        if (signal?.aborted) return;
        lineNo++;
        this.line = line;
        // A byte-order mark (as some editors save UTF-8) is not part of the first record.
        const text = lineNo === 1 && line.text.startsWith('\uFEFF') ? line.text.slice(1) : line.text;
        if (blank && text.trim() !== '') {
          blank = false;
          this.firstLine(text, lineNo);
        }
        const item = this.parse(text, lineNo);
        if (item !== undefined) yield item;
      }
    }
    if (blank) throw new SourceError(`${this.options.path} is empty${lineNo > 0 ? ' (blank lines only)' : ''}`);
  }

  /** Checks the first line that is not blank: a file that is not of this kind at all is a `SourceError`. */
  protected firstLine(_line: string, _lineNo: number): void {}

  /** Turns one line into an item; `undefined` for lines that carry no record (blank, header). */
  protected abstract parse(line: string, lineNo: number): SourceItem | undefined;

  /** A line too long to be any record is `TOO_LARGE` at its line, whatever it holds. */
  protected tooLarge(line: string, lineNo: number): SourceItem | undefined {
    // A UTF-16 string is at least as many UTF-8 bytes as it has code units less surrogates: measured only when it may matter.
    const bytes =
      this.line.bytes ?? this.line.notUtf8?.length ?? (line.length <= MAX_RECORD_BYTES / 3 ? 0 : Buffer.byteLength(this.line.text));
    if (bytes <= MAX_RECORD_BYTES) return undefined;
    const cut = bytes > KEPT_LINE_BYTES ? `; its first ${KEPT_LINE_BYTES} bytes are kept` : '';
    return this.reject('TOO_LARGE', `the line is ${bytes} bytes; a record may have at most ${MAX_RECORD_BYTES}${cut}`, line, lineNo);
  }

  /**
   * Validates a raw tick so a bad row is reported with its line number, not published. A
   * long row is measured as the record it would be sent as, so `TOO_LARGE` names its line
   * too instead of surfacing later at ingest.
   */
  protected check(raw: unknown, text: string, lineNo: number): SourceItem {
    const origin = `${this.label}:${lineNo}`;
    const options = { now: this.options.clock.now(), priceDecimals: this.options.priceDecimals };
    const r = validateTick(typeof raw !== 'string' && text.length > MAX_RECORD_BYTES / 4 ? JSON.stringify(raw) : raw, options);
    if (r.ok) return { kind: 'record', record: raw, origin };
    return this.reject(r.code, r.message, text, lineNo);
  }

  /** A row that is quarantined, not published: its text, or its bytes when they are not UTF-8. */
  protected reject(code: RejectCode, message: string, text: string, lineNo: number): SourceItem {
    const item = {
      kind: 'reject',
      code,
      message: `${this.label} line ${lineNo}: ${message}`,
      text,
      origin: `${this.label}:${lineNo}`,
    } as const;
    const { notUtf8 } = this.line;
    return notUtf8 === undefined ? item : { ...item, bytes: notUtf8 };
  }
}

/**
 * Streams ticks from a CSV file with a header naming `symbol,timestamp,price,volume` (any
 * order; an optional `source` column). Constant memory; every error names its line.
 *
 * @example
 * const source = new CsvTickSource({ path: 'ticks.csv', clock: new SystemClock() });
 */
export class CsvTickSource extends LineFileSource {
  readonly name = 'csv';
  private columns: Map<string, number> | undefined;
  /** Fields of the header, unnamed ones included (a spreadsheet's trailing empty columns). */
  private width = 0;

  protected parse(line: string, lineNo: number): SourceItem | undefined {
    if (line.trim() === '') return undefined;
    // One row per line: a quote left open is that row's mistake, and the rows after it are
    // still read (no field of a tick has a reason to hold a line break).
    const fields = splitCsvLine(line);
    if (this.columns === undefined) {
      const names = (fields ?? []).map((f) => f.trim().toLowerCase());
      const missing = REQUIRED.filter((c) => !names.includes(c));
      if (missing.length > 0) {
        throw new SourceError(
          `${this.label} line ${lineNo}: the header must name symbol,timestamp,price,volume; missing ${missing.join(', ')} (got ${JSON.stringify(line.slice(0, 80))})`,
        );
      }
      const twice = names.find((n, i) => n !== '' && names.indexOf(n) !== i);
      if (twice !== undefined) throw new SourceError(`${this.label} line ${lineNo}: the header names the column ${twice} twice`);
      this.columns = new Map(names.map((n, i) => [n, i]));
      this.width = names.length;
      return undefined;
    }
    const huge = this.tooLarge(line, lineNo);
    if (huge !== undefined) return huge;
    if (fields === undefined) {
      return this.reject('BAD_ROW', 'a quoted field is not closed on its line', line, lineNo);
    }
    if (fields.length !== this.width) {
      return this.reject('BAD_ROW', `expected ${this.width} fields, got ${fields.length}`, line, lineNo);
    }
    const at = (name: string) => {
      const i = this.columns?.get(name);
      return i === undefined ? undefined : (fields[i] as string);
    };
    const raw: Record<string, unknown> = {
      symbol: at('symbol')?.trim(),
      timestamp: numberOrText(at('timestamp') ?? ''),
      price: numberOrText(at('price') ?? ''),
      volume: numberOrText(at('volume') ?? ''),
      source: at('source')?.trim() || 'csv',
    };
    if (typeof raw.timestamp === 'number' && !Number.isInteger(raw.timestamp)) raw.timestamp = at('timestamp')?.trim();
    return this.check(raw, line, lineNo);
  }
}

/**
 * Streams ticks from an NDJSON file, one JSON object per line. Constant memory; every error
 * names its line.
 *
 * @example
 * const source = new NdjsonTickSource({ path: 'ticks.ndjson', clock: new SystemClock() });
 */
export class NdjsonTickSource extends LineFileSource {
  readonly name = 'ndjson';

  /**
   * A JSON array of records is a JSON document, not NDJSON: said at once, whether it is
   * written over several lines (`[` then objects) or on one. A first line that is an array of
   * no object (`[1, 2]`) is only a bad record, quarantined like any other.
   */
  protected override firstLine(line: string, lineNo: number): void {
    if (!line.trimStart().startsWith('[')) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined; // an array that goes on past this line
    }
    if (Array.isArray(parsed) && !parsed.some(isJsonObject)) return;
    throw new SourceError(
      `${this.label} line ${lineNo}: this is a JSON array, not NDJSON (one JSON object per line): convert it first, e.g. jq -c '.[]' ${this.label} > ticks.ndjson`,
    );
  }

  protected parse(line: string, lineNo: number): SourceItem | undefined {
    if (line.trim() === '') return undefined;
    const huge = this.tooLarge(line, lineNo);
    if (huge !== undefined) return huge;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return this.reject('INVALID_JSON', 'not valid JSON', line, lineNo);
    }
    // Not an object (a number, a string, an array, null): validation says so from the text,
    // where a parsed string would be taken for a record's JSON text.
    if (!isJsonObject(raw)) return this.check(line, line, lineNo);
    if (!('source' in raw)) raw = { ...raw, source: 'ndjson' };
    // An object nested deeper than JSON.stringify's stack can write again travels as its own
    // text, as read (without the added source): it is still the record, and may be a tick.
    if (plainValue(raw) === undefined && !succeeds(() => JSON.stringify(raw))) return this.check(line, line, lineNo);
    return this.check(raw, line, lineNo);
  }
}

/** Whether a parsed JSON value is an object: not null, not an array, not a scalar. */
function isJsonObject(value: unknown): value is object {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Whether `run` returns rather than throws (JSON.parse of a text; JSON.stringify past its stack on deep nesting). */
function succeeds(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch {
    return false;
  }
}

/**
 * Any iterable of raw ticks (objects, JSON texts or bytes) as a source: what `replay()` takes
 * from a library user. Records pass as they are; ingest validates them.
 *
 * @example
 * const source = new IterableTickSource([{ symbol: 'AAPL', timestamp: 1704205800000, price: 187.43, volume: 100 }]);
 */
export class IterableTickSource implements TickSource {
  readonly name = 'iterable';
  constructor(private readonly ticks: Iterable<unknown> | AsyncIterable<unknown>) {}
  async *items(signal?: AbortSignal): AsyncIterable<SourceItem> {
    let n = 0;
    for await (const record of this.ticks) {
      if (signal?.aborted) return;
      n++;
      yield { kind: 'record', record, origin: `#${n}` };
    }
  }
}
