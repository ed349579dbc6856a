/**
 * A progress bar on a terminal stream; silent when the stream is not a terminal (piped,
 * redirected, CI) or when asked to be quiet.
 *
 * @example
 * const p = new Progress(process.stderr, { total: 1e6 });
 * p.update(250_000); // [#####...............]  25%  250,000 / 1,000,000
 * p.done();
 */
export class Progress {
  private readonly active: boolean;
  private last = 0;
  private shown = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly options: { total?: number; quiet?: boolean } = {},
  ) {
    this.active = Boolean(stream.isTTY) && !options.quiet;
  }

  update(done: number): void {
    if (!this.active) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    this.shown = true;
    const total = this.options.total;
    if (total === undefined || total <= 0) {
      this.stream.write(`\r  ${done.toLocaleString('en-US')} records`);
      return;
    }
    const fraction = Math.min(1, done / total);
    const width = 30;
    const filled = Math.round(fraction * width);
    this.stream.write(
      `\r  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%  ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}`,
    );
  }

  done(): void {
    if (this.active && this.shown) this.stream.write('\r\x1b[2K');
  }
}
