import { ConfigError, InvalidQueryError, QueryError, SourceError } from '../ports/errors.js';
import { UsageError } from './args.js';
import { DASHBOARD_HELP, dashboardCommand } from './dashboard-command.js';
import { PRODUCE_HELP, produceCommand } from './produce-command.js';
import { QUERY_HELP, queryCommand } from './query-command.js';
import { REPLAY_HELP, replayCommand } from './replay-command.js';
import { REPORT_HELP, reportCommand } from './report-command.js';

const VERSION = '0.1.0';

const HELP = `tickflow — near-real-time stock-tick analytics with exact SMA crossovers

Usage: tickflow <command> [options]

Commands:
  replay     run ticks through the whole flow on the embedded local stack (no cloud)
  produce    publish ticks (Yahoo quotes, a simulation, a file) to a Kinesis stream
  query      run a named SQL query (daily-ohlc, volatility, crossovers, …) over the local lake
  report     write a chart report (one offline HTML file) from the data lake
  dashboard  run the local flow live and watch it on a page served on 127.0.0.1

Run "tickflow <command> --help" for a command's options.
Options: -h, --help   this help;  -v, --version   the version
`;

type Command = (argv: readonly string[]) => Promise<number>;

/** The commands by name; each returns its exit code. */
export const COMMANDS: Record<string, { run: Command; help: string }> = {
  replay: { run: replayCommand, help: REPLAY_HELP },
  produce: { run: produceCommand, help: PRODUCE_HELP },
  query: { run: queryCommand, help: QUERY_HELP },
  report: { run: (argv) => reportCommand(argv), help: REPORT_HELP },
  dashboard: { run: (argv) => dashboardCommand(argv), help: DASHBOARD_HELP },
};

/**
 * Runs the command line and returns the exit code: 0 done, 1 failed at run time, 2 misused.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '-v' || name === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(
      `tickflow: unknown command ${JSON.stringify(name)}; commands: ${Object.keys(COMMANDS).join(', ')} (see tickflow --help)\n`,
    );
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (error instanceof InvalidQueryError) {
      process.stderr.write(`tickflow ${name}: ${error.message}\n`);
      return 2;
    }
    if (error instanceof SourceError || error instanceof ConfigError || error instanceof QueryError) {
      process.stderr.write(`tickflow ${name}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
