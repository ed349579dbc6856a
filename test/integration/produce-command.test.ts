import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClients, createStream, endpoints, REGION, uniqueName, until } from '../support/aws-emulators.js';
import { writeCutGzipCsv } from '../support/cut-gzip.js';
import { runCli } from '../support/run-cli.js';

/** How many records the stream's shards hold. */
async function countRecords(client: KinesisClient, stream: string, shardIds: readonly string[]): Promise<number> {
  let n = 0;
  for (const shardId of shardIds) {
    let { ShardIterator: iterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    while (iterator) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      n += page.Records?.length ?? 0;
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return n;
}

describe('tickflow produce, against kinesalite', () => {
  let kinesis: KinesisClient;
  let lake: string;
  beforeAll(async () => {
    kinesis = awsClients().kinesis;
    lake = await mkdtemp(join(tmpdir(), 'tickflow-produce-'));
  });
  afterAll(async () => {
    kinesis.destroy();
    await rm(lake, { recursive: true, force: true });
  });
  const target = () => ['--endpoint', endpoints().kinesis, '--region', REGION, '--lake', lake, '--quiet'];

  /** `tickflow produce` of a simulation to `stream` on the emulator, with more flags. */
  const simulatedTo = (stream: string, ...flags: string[]) =>
    runCli(['produce', '--stream', stream, ...target(), '--source', 'simulated', ...flags]);
  /** The flags of a simulation of `ticks` ticks, none bad or doubled. */
  const clean = (ticks: number) => ['--ticks', String(ticks), '--bad-rate', '0', '--duplicate-rate', '0'];

  it('publishes a simulation to the stream and says how many records it sent', async () => {
    const stream = uniqueName('produce');
    const { shardIds } = await createStream(kinesis, stream, 2);
    const { code, stdout } = await simulatedTo(stream, '--ticks', '1200', '--seed', '3');
    expect(code).toBe(0);
    const sent = Number(/^sent ([\d,]+) record\(s\) to /.exec(stdout)?.[1]?.replace(/,/g, ''));
    expect(sent).toBeGreaterThanOrEqual(1200); // with the simulation's duplicates
    expect(await countRecords(kinesis, stream, shardIds)).toBe(sent);
  });

  it('on Ctrl-C stops the source, sends what it holds, and prints what was sent', async () => {
    const stream = uniqueName('produce-stop');
    const { shardIds } = await createStream(kinesis, stream, 1);
    const run = runCli(['produce', '--stream', stream, ...target(), '--source', 'simulated', '--ticks', '5000000']);
    const [shardId] = shardIds;
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    await until('the first batch on the stream', async () => {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 1 }));
      return (page.Records ?? []).length > 0;
    });
    process.emit('SIGINT');
    const { code, stdout } = await run;
    expect(code).toBe(0);
    expect(stdout).toMatch(/^sent [\d,]+ record\(s\) to \S+ \(stopped\)/);
    const sent = Number(/^sent ([\d,]+)/.exec(stdout)?.[1]?.replace(/,/g, ''));
    expect(sent).toBeLessThan(5_000_000);
    expect(await countRecords(kinesis, stream, shardIds)).toBe(sent);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  it('prints the records the stream did not take and exits 1', async () => {
    const { code, stdout, stderr } = await simulatedTo('no-such-stream', ...clean(3));
    expect(code).toBe(1);
    expect(stdout).toContain('sent 0 record(s) to no-such-stream (stopped: the stream refuses records); read 3; UNDELIVERED 3');
    const lines = stderr.split('\n').filter((l) => l.startsWith('  '));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ {2}AAPL {2}ResourceNotFoundException: .* \{"symbol":"AAPL","timestamp":/);
  });

  it('stops at the first batch a missing stream refuses, not after the whole source, and names the stream and the cause', async () => {
    const { code, stdout, stderr } = await simulatedTo('tickz', ...clean(20_000));
    expect(code).toBe(1);
    expect(stdout).toBe('sent 0 record(s) to tickz (stopped: the stream refuses records); read 500; UNDELIVERED 500\n');
    expect(stderr.split('\n').filter((l) => l.startsWith('  '))).toHaveLength(500);
    expect(stderr.trimEnd().split('\n').at(-1)).toBe(
      'tickflow produce: Kinesis stream tickz refuses the records: ResourceNotFoundException: Stream tickz under account 000000000000 not found. ' +
        'No retry can get past that, so the source was read no further: check the stream name, the region and the account, and that the stream is ACTIVE.',
    );
  });

  it('a file that fails mid-way: what was read is on the stream, and the summary says so before the error', async () => {
    const stream = uniqueName('produce-cut');
    const { shardIds } = await createStream(kinesis, stream, 1);
    const file = join(lake, 'cut.csv.gz');
    const whole = await writeCutGzipCsv(file);
    const { code, stdout, stderr } = await runCli(['produce', '--stream', stream, ...target(), '--file', file]);
    expect(code).toBe(1);
    // Every whole row before the cut, though the stream is slower than zlib.
    const sent = Number(/^sent ([\d,]+) /.exec(stdout)?.[1]?.replace(/,/g, ''));
    expect(sent).toBe(whole);
    const n = sent.toLocaleString('en-US');
    expect(stdout).toBe(`sent ${n} record(s) to ${stream} (the source failed); read ${n}\n`);
    expect(stderr).toBe(
      `tickflow produce: cannot read ${file}: unexpected end of file\n  Before it: ${n} item(s) read, ${n} record(s) sent to ${stream}.\n`,
    );
    expect(await countRecords(kinesis, stream, shardIds)).toBe(sent);
  });

  it('without a region, says so once before reading the source, not once per record', async () => {
    const saved = { region: process.env.AWS_REGION, defaultRegion: process.env.AWS_DEFAULT_REGION, config: process.env.AWS_CONFIG_FILE };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    process.env.AWS_CONFIG_FILE = join(lake, 'no-such-config');
    try {
      const run = await runCli([
        'produce',
        '--stream',
        's',
        '--source',
        'simulated',
        '--ticks',
        '10',
        '--endpoint',
        endpoints().kinesis,
        '--lake',
        lake,
      ]);
      expect([run.code, run.stderr.trim(), run.stdout]).toEqual([
        2,
        'tickflow produce: no AWS region: give --region R or set AWS_REGION',
        '',
      ]);
    } finally {
      for (const [name, value] of [
        ['AWS_REGION', saved.region],
        ['AWS_DEFAULT_REGION', saved.defaultRegion],
        ['AWS_CONFIG_FILE', saved.config],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('names an unusable region, and missing credentials, once before reading the source', async () => {
    const names = [
      'AWS_REGION',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SHARED_CREDENTIALS_FILE',
      'AWS_CONFIG_FILE',
      'AWS_PROFILE',
    ];
    const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));
    const run = () =>
      runCli(['produce', '--stream', 's', '--source', 'simulated', '--ticks', '10', '--endpoint', endpoints().kinesis, '--lake', lake]);
    try {
      process.env.AWS_REGION = 'bad_region';
      const region = await run();
      expect([region.code, region.stdout]).toEqual([2, '']);
      expect(region.stderr.trim()).toMatch(/^tickflow produce: the AWS region cannot be used: .*bad_region/);
      process.env.AWS_REGION = REGION;
      for (const n of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE']) delete process.env[n];
      process.env.AWS_SHARED_CREDENTIALS_FILE = join(lake, 'no-credentials');
      process.env.AWS_CONFIG_FILE = join(lake, 'no-config');
      const credentials = await run();
      expect([credentials.code, credentials.stdout]).toEqual([1, '']);
      expect(credentials.stderr.trim()).toMatch(/^tickflow produce: no AWS credentials \(.*\): set them as the SDK reads them/);
      expect(credentials.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      for (const n of names) {
        if (saved[n] === undefined) delete process.env[n];
        else process.env[n] = saved[n];
      }
    }
  });

  it('refuses a missing stream, a bad endpoint and --interval without yahoo, with one line and exit code 2', async () => {
    expect(await runCli(['produce'])).toMatchObject({
      code: 2,
      stderr: 'tickflow produce: --stream NAME is required (the Kinesis stream to publish to)\n',
    });
    expect((await runCli(['produce', '--stream', 's', '--endpoint', 'localhost:4567'])).stderr).toMatch(
      /--endpoint must be an http\(s\) URL/,
    );
    const secret = await runCli(['produce', '--stream', 's', '--endpoint', 'http://me:s3cret@127.0.0.1:4567']);
    expect([secret.code, secret.stderr.trim()]).toEqual([
      2,
      'tickflow produce: --endpoint must not carry a user or password; the AWS credentials are read as the SDK reads them',
    ]);
    // Refused for its scheme, it is shown without its user and password.
    for (const [given, shown] of [
      ['ftp://me:s3cret@127.0.0.1:4567', 'ftp://…@127.0.0.1:4567'],
      ['me:s3cret@127.0.0.1:4567', '…@127.0.0.1:4567'],
    ]) {
      const run = await runCli(['produce', '--stream', 's', '--endpoint', given as string]);
      expect([run.code, run.stderr.trim()]).toEqual([
        2,
        `tickflow produce: --endpoint must be an http(s) URL such as http://127.0.0.1:4567, got ${JSON.stringify(shown)}`,
      ]);
    }
    const interval = await runCli(['produce', '--stream', 's', '--source', 'simulated', '--interval', '5s']);
    expect([interval.code, interval.stderr.trim()]).toEqual([2, 'tickflow produce: --interval and --rounds apply to --source yahoo only']);
    const fast = await runCli(['produce', '--stream', 's', '--interval', '500ms']);
    expect(fast.code).toBe(2);
    // Beyond what a Node timer holds, a pause would fire at once: every millisecond a poll.
    const slow = await runCli(['produce', '--stream', 's', '--interval', '600h']);
    expect([slow.code, slow.stderr.trim()]).toEqual([2, 'tickflow produce: --interval must be from 1s to 24 days, got "600h"']);
    const quotes = await runCli(['produce', '--stream', 's', '--ticks', '5']);
    expect([quotes.code, quotes.stderr.trim()]).toEqual([
      2,
      'tickflow produce: --ticks does not apply to --source yahoo (live quotes) (see tickflow produce --help)',
    ]);
    const help = await runCli(['produce', '--help']);
    expect(help.stdout).toContain('Usage: tickflow produce --stream NAME [options]');
  });
});
