import { SystemClock } from '../adapters/local/clocks.js';
import { JsonLogger } from '../adapters/local/loggers.js';
import { DEFAULT_DASHBOARD_SPEED, type RunningDashboard, startDashboard } from '../container/dashboard.js';
import { count, decimalsFlag, intFlag, lakeFlag, parseFlags, periodFlags } from './args.js';
import { SOURCE_FLAGS, SOURCE_HELP, sourceFromFlags } from './sources.js';

/**
 * The help of `tickflow dashboard`.
 *
 * @example
 * process.stdout.write(DASHBOARD_HELP);
 */
export const DASHBOARD_HELP = `Usage: tickflow dashboard [options]

Runs ticks through the whole local flow, as tickflow replay does, but paced like a live
feed, and serves a page on 127.0.0.1 that updates as they pass: each symbol's price with
SMA-short and SMA-long, alerts as they fire, and the counters (ticks/s, accepted, rejected
by code, alerts). A page that reconnects catches up from the current state. The page needs
no network. Ctrl-C stops it.

Dashboard:
  --port N               port on 127.0.0.1 (default 0: a free one; the URL is printed)
  --speed N              source items (ticks, good or bad) per second (default ${DEFAULT_DASHBOARD_SPEED}),
                         let through in slices of 100 ms

${SOURCE_HELP}
  (here --ticks defaults to 1M: about 80 minutes of a simulated market at 200 ticks/s)

Flow:
  --short N              SMA-short period (default 5)
  --long N               SMA-long period (default 20)
  --decimals D           price decimals, 0-9 (default 6)
  --lake DIR             also keep a data lake in DIR (default: none)
  -h, --help             this help

Examples:
  tickflow dashboard
  tickflow dashboard --port 8080 --symbols AAPL,MSFT --speed 1000
  tickflow dashboard --file ticks.csv --speed 20
`;

/**
 * Where the dashboard command talks to: signals to stop on, and its output (tests replace both).
 *
 * @example
 * const io: DashboardIo = { signals: new EventEmitter(), write: (text) => log.push(text) };
 */
export interface DashboardIo {
  readonly signals?: Pick<NodeJS.EventEmitter, 'once' | 'off'>;
  readonly write?: (text: string) => void;
}

/**
 * `tickflow dashboard`: serves until SIGINT or SIGTERM; returns the exit code.
 *
 * @example
 * process.exitCode = await dashboardCommand(['--port', '8080', '--speed', '1000']);
 */
export async function dashboardCommand(argv: readonly string[], io: DashboardIo = {}): Promise<number> {
  const { flags } = parseFlags('dashboard', argv, {
    ...SOURCE_FLAGS,
    port: { type: 'string' },
    speed: { type: 'string' },
    short: { type: 'string' },
    long: { type: 'string' },
    decimals: { type: 'string' },
    lake: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  const write = io.write ?? ((text: string) => process.stdout.write(text));
  if (flags.help) {
    write(DASHBOARD_HELP);
    return 0;
  }
  const port = intFlag('dashboard', 'port', flags.port, { min: 0, max: 65535 }) ?? 0;
  const speed = intFlag('dashboard', 'speed', flags.speed, { min: 1, max: 10_000_000 }) ?? DEFAULT_DASHBOARD_SPEED;
  const { short, long } = periodFlags('dashboard', flags);
  const priceDecimals = decimalsFlag('dashboard', flags);
  const clock = new SystemClock();
  // The lake folder is made only once every flag has passed.
  if (flags.lake !== undefined) lakeFlag('dashboard', flags.lake, '');
  const { source, describe } = await sourceFromFlags('dashboard', flags, clock, priceDecimals, { ticks: 1_000_000 });
  const lake = flags.lake === undefined ? false : lakeFlag('dashboard', flags.lake, '', { write: true, decimals: priceDecimals });

  let running: RunningDashboard;
  try {
    running = await startDashboard(source, {
      port,
      speed,
      short,
      long,
      priceDecimals,
      lake,
      clock,
      // Warnings too, each once: the cause of a failure that repeats on every batch.
      logger: new JsonLogger({ level: 'warn', once: true }),
      describe: `${describe}, ${count(speed)} ticks/s`,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      process.stderr.write(`tickflow dashboard: cannot listen on 127.0.0.1:${port} (${code}); try another --port, or --port 0\n`);
      return 1;
    }
    throw error;
  }
  write(`tickflow dashboard — ${describe}, ${count(speed)} ticks/s, SMA ${short}/${long}\n\n  open ${running.url}   (Ctrl-C to stop)\n`);

  const signals = io.signals ?? process;
  let onSignal = () => {};
  let stopping = false;
  const signalled = new Promise<'signal'>((resolve) => {
    onSignal = () => {
      stopping = true;
      resolve('signal');
    };
    signals.once('SIGINT', onSignal);
    signals.once('SIGTERM', onSignal);
  });
  const failed = running.done.then((outcome) => {
    if (outcome.ok) {
      if (stopping) return new Promise<never>(() => {});
      const c = running.server.counts;
      write(
        `  the source is done (${count(c.ticksIn)} ticks in, ${count(c.alerts.GOLDEN_CROSS + c.alerts.DEATH_CROSS)} alerts); still serving\n`,
      );
      return new Promise<never>(() => {});
    }
    return outcome;
  });
  const ended = await Promise.race([signalled, failed]);
  signals.off('SIGINT', onSignal);
  signals.off('SIGTERM', onSignal);
  await running.stop();
  if (ended !== 'signal') throw ended.error;
  const c = running.server.counts;
  write(`  stopped: ${count(c.ticksIn)} ticks in, ${count(c.alerts.GOLDEN_CROSS + c.alerts.DEATH_CROSS)} alerts; the port is closed\n`);
  return 0;
}
