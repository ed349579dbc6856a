/**
 * A stand-in for Amazon Athena on 127.0.0.1, speaking its wire protocol (AWS JSON 1.1:
 * `POST /` with `x-amz-target: AmazonAthena.<Operation>`), for code that builds its own
 * AthenaClient — such as the query Lambda bundle, pointed here by `AWS_ENDPOINT_URL_ATHENA`.
 * No emulator of Athena exists; this one answers every query at once with the rows it is
 * given, and records each request so a test can check what was asked.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake received. */
export interface AthenaCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

/** The result every query gets: column names and types, and rows of text cells. */
export interface FakeResult {
  readonly columns: readonly { name: string; type: string }[];
  readonly rows: readonly (readonly (string | null)[])[];
}

/** A running fake Athena. */
export interface FakeAthena {
  readonly endpoint: string;
  readonly calls: AthenaCall[];
  stop(): Promise<void>;
}

/** Starts the fake on a free port of 127.0.0.1. */
export async function startFakeAthena(result: FakeResult): Promise<FakeAthena> {
  const calls: AthenaCall[] = [];
  const outputs = new Map<string, string>();
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      const operation = String(request.headers['x-amz-target'] ?? '').replace(/^AmazonAthena\./, '');
      const input = (body === '' ? {} : JSON.parse(body)) as Record<string, unknown>;
      calls.push({ operation, input });
      const answer = (status: number, payload: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(payload));
      };
      switch (operation) {
        case 'StartQueryExecution': {
          const id = `q-${calls.length}`;
          const location = (input.ResultConfiguration as { OutputLocation?: string } | undefined)?.OutputLocation ?? 's3://fake/';
          outputs.set(id, `${location}${id}.csv`);
          return answer(200, { QueryExecutionId: id });
        }
        case 'GetQueryExecution': {
          const id = String(input.QueryExecutionId);
          return answer(200, {
            QueryExecution: {
              QueryExecutionId: id,
              Status: { State: 'SUCCEEDED' },
              ResultConfiguration: { OutputLocation: outputs.get(id) },
            },
          });
        }
        case 'GetQueryResults': {
          const cell = (v: string | null) => (v === null ? {} : { VarCharValue: v });
          return answer(200, {
            ResultSet: {
              ResultSetMetadata: { ColumnInfo: result.columns.map((c) => ({ Name: c.name, Label: c.name, Type: c.type })) },
              Rows: [{ Data: result.columns.map((c) => cell(c.name)) }, ...result.rows.map((r) => ({ Data: r.map(cell) }))],
            },
          });
        }
        default:
          return answer(400, { __type: 'InvalidRequestException', message: `the fake Athena does not do ${operation}` });
      }
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
