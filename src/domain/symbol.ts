// One optional leading caret (indices), alphanumeric parts joined by single '.' or '-'
// (BRK-B, 0700.HK, BTC-USD), and at most one '=' suffix (EURUSD=X, GC=F). No '..', no '/',
// nothing that could climb out of a storage key or close an SQL string.
const SYMBOL = /^\^?[A-Za-z0-9]+(?:[.-][A-Za-z0-9]+)*(?:=[A-Za-z0-9]+)?$/;

/** Longest symbol accepted. */
export const MAX_SYMBOL_LENGTH = 16;

/**
 * Returns the upper-case symbol, or `undefined` if the text is not a valid symbol.
 * Only ASCII letters count: look-alikes (`ſ`, `ı`, full-width letters) are refused before
 * upper-casing could turn them into ASCII.
 *
 * @example
 * normaliseSymbol('brk-b');   // 'BRK-B'
 * normaliseSymbol('../etc');  // undefined
 */
export function normaliseSymbol(text: unknown): string | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_SYMBOL_LENGTH) return undefined;
  // A market has few symbols and each comes back on every tick: remember the answers.
  const known = seen.get(text);
  if (known !== undefined) return known;
  if (!SYMBOL.test(text)) return undefined;
  if (seen.size >= SEEN_LIMIT) seen.clear();
  const symbol = text.toUpperCase();
  seen.set(text, symbol);
  return symbol;
}

const SEEN_LIMIT = 10_000;
const seen = new Map<string, string>();

/** What a valid symbol is, as refusals say it. */
export const SYMBOL_RULE = '1–16 of A–Z 0–9 . - ^ =, e.g. AAPL, BRK-B, ^GSPC, EURUSD=X';

/**
 * Throws a RangeError unless `symbol` is a valid symbol already in upper case: what every
 * function that builds a storage key from a symbol checks first, so a library caller cannot
 * send `../` into a lake path or `#` into a store key.
 *
 * @example
 * checkSymbol('BRK-B'); // 'BRK-B'
 * checkSymbol('../etc'); // throws RangeError
 */
export function checkSymbol(symbol: string): string {
  if (normaliseSymbol(symbol) !== symbol)
    throw new RangeError(`not a valid symbol: ${JSON.stringify(symbol)} (${SYMBOL_RULE}, in upper case)`);
  return symbol;
}

/**
 * Checks a list of symbols (query parameters, flags), upper-casing them and dropping repeats;
 * the whole list is refused with a message naming the first bad entry.
 *
 * @example
 * normaliseSymbols(['aapl', 'AAPL', 'msft']); // { ok: true, symbols: ['AAPL', 'MSFT'] }
 */
export function normaliseSymbols(list: readonly unknown[]): { ok: true; symbols: string[] } | { ok: false; message: string } {
  const symbols: string[] = [];
  for (const entry of list) {
    const symbol = normaliseSymbol(entry);
    if (symbol === undefined) {
      return {
        ok: false,
        message: `not a valid symbol: ${JSON.stringify(entry)} (${SYMBOL_RULE})`,
      };
    }
    if (!symbols.includes(symbol)) symbols.push(symbol);
  }
  if (symbols.length === 0) return { ok: false, message: 'the symbol list is empty' };
  return { ok: true, symbols };
}

/**
 * Parses a comma-separated symbol list (CLI flags), rejecting the whole list with a message
 * naming the first bad entry.
 *
 * @example
 * parseSymbolList('aapl, msft'); // { ok: true, symbols: ['AAPL', 'MSFT'] }
 */
export function parseSymbolList(text: string): { ok: true; symbols: string[] } | { ok: false; message: string } {
  return normaliseSymbols(
    text
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== ''),
  );
}
