import { EventEmitter } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { dashboardCommand } from '../../../src/cli/dashboard-command.js';
import { until } from '../../support/browser.js';
import { runCli } from '../../support/run-cli.js';

describe('tickflow dashboard', () => {
  it('refuses bad flags in one line', async () => {
    const speed = await runCli(['dashboard', '--speed', '0']);
    expect([speed.code, speed.stderr.trim()]).toEqual([
      2,
      'tickflow dashboard: --speed must be a whole number ≥ 1 and ≤ 10000000, got "0"',
    ]);
    const port = await runCli(['dashboard', '--port', '70000']);
    expect(port.code).toBe(2);
    const help = await runCli(['dashboard', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: tickflow dashboard [options]');
  });

  it('says so when the port is taken', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const r = await runCli(['dashboard', '--port', String(port)]);
      expect([r.code, r.stderr.trim()]).toEqual([
        1,
        `tickflow dashboard: cannot listen on 127.0.0.1:${port} (EADDRINUSE); try another --port, or --port 0`,
      ]);
    } finally {
      holder.close();
    }
  });

  it('stops and exits 1 when the source fails', async () => {
    const r = await runCli(['dashboard', '--file', 'nope.csv']);
    expect([r.code, r.stderr.trim()]).toEqual([1, 'tickflow dashboard: cannot read nope.csv: no such file']);
  });

  it('keeps serving when the source is done, until SIGTERM', async () => {
    const signals = new EventEmitter();
    let out = '';
    const exit = dashboardCommand(['--ticks', '300', '--speed', '100000', '--seed', '1'], { signals, write: (t) => (out += t) });
    await until('the source to be done', () => out.includes('the source is done (3'));
    const url = /open (\S+)/.exec(out)?.[1] as string;
    const state = (await (await fetch(`${url}state`)).json()) as { status: { state: string }; counts: { ticksIn: number } };
    expect(state.status.state).toBe('finished');
    expect(state.counts.ticksIn).toBeGreaterThanOrEqual(300);
    signals.emit('SIGTERM');
    expect(await exit).toBe(0);
  });
});
