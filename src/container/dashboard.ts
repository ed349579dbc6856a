import { DashboardServer } from '../adapters/local/dashboard-server.js';
import { PacedTickSource } from '../adapters/sources/paced-tick-source.js';
import type { TickSource } from '../ports/tick-source.port.js';
import { type ReplayOptions, type ReplayResult, replay } from './replay.js';

/**
 * Source items per second a dashboard lets through by default.
 *
 * @example
 * await startDashboard(source, { speed: 5 * DEFAULT_DASHBOARD_SPEED });
 */
export const DEFAULT_DASHBOARD_SPEED = 200;

/**
 * Options of `startDashboard`: the local stack's, plus the page's port and the pace.
 *
 * @example
 * const options: DashboardOptions = { port: 0, speed: 500, short: 5, long: 20 };
 */
export interface DashboardOptions extends Omit<ReplayOptions, 'observers' | 'signal' | 'collectAlerts' | 'onProgress' | 'onAlert'> {
  /** Port on 127.0.0.1 (default 0: a free one). */
  readonly port?: number;
  /** Source items (ticks, good or bad) per second of wall-clock time (default 200). */
  readonly speed?: number;
  readonly title?: string;
  /** One line saying what runs, shown on the page. */
  readonly describe?: string;
  /** How often the page is updated (default 250 ms). */
  readonly flushMs?: number;
}

/**
 * How the flow behind a dashboard ended: done with the source, or failed.
 *
 * @example
 * const outcome = await dashboard.done;
 * if (!outcome.ok) console.error(outcome.error);
 */
export type DashboardOutcome = { readonly ok: true; readonly result: ReplayResult } | { readonly ok: false; readonly error: unknown };

/**
 * A dashboard that is serving.
 *
 * @example
 * const dashboard: RunningDashboard = await startDashboard(source);
 * await dashboard.stop();
 */
export interface RunningDashboard {
  readonly url: string;
  readonly port: number;
  readonly server: DashboardServer;
  /** Settles when the flow has read the whole source, was stopped, or failed; never rejects. */
  readonly done: Promise<DashboardOutcome>;
  /** Aborts the source, lets the flow finish what it holds, closes the server (the port is free after). */
  stop(): Promise<void>;
}

/**
 * Starts the live dashboard: the whole local flow (the same use cases and handlers as
 * `replay`) fed by the source at `speed` items per second, with a `DashboardServer` as one
 * more observer of the flow, serving its page on 127.0.0.1. The server keeps serving when
 * the source is done, until `stop()`.
 *
 * @example
 * const dashboard = await startDashboard(new SimulatedTickSource({ ticks: 1e6 }), { speed: 500 });
 * console.log(dashboard.url);
 * process.once('SIGINT', () => dashboard.stop());
 */
export async function startDashboard(source: TickSource, options: DashboardOptions = {}): Promise<RunningDashboard> {
  const { port, speed, title, describe, flushMs, ...flow } = options;
  const paced = new PacedTickSource(source, { itemsPerSecond: speed ?? DEFAULT_DASHBOARD_SPEED });
  const server = new DashboardServer({
    short: flow.short,
    long: flow.long,
    priceDecimals: flow.priceDecimals,
    title,
    describe,
    flushMs,
    clock: flow.clock,
  });
  const address = await server.listen(port ?? 0);
  const controller = new AbortController();
  const done: Promise<DashboardOutcome> = replay(paced, {
    ...flow,
    // Small rounds: a paced source flushes every slice anyway; this bounds a burst.
    chunkSize: flow.chunkSize ?? 1000,
    observers: [server],
    collectAlerts: false,
    signal: controller.signal,
  }).then(
    (result) => {
      server.setStatus(controller.signal.aborted ? 'stopping' : 'finished');
      return { ok: true, result };
    },
    (error: unknown) => {
      server.setStatus('failed', error instanceof Error ? error.message : String(error));
      return { ok: false, error };
    },
  );
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      server.setStatus('stopping');
      controller.abort();
      await done;
      await server.close();
    })();
    return stopping;
  };
  return { ...address, server, done, stop };
}
