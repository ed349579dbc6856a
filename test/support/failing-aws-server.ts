/**
 * A local HTTP server standing in for an AWS service that answers every request with a 500,
 * for tests of retries and deadlines with real SDK clients: `config` is what a client needs
 * to reach it (three attempts per call, the library's HTTP handler).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { awsHttpHandler } from '../../src/adapters/aws/aws-http-handler.js';

export interface FailingAwsServer {
  /** SDK client configuration reaching the server. */
  readonly config: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    maxAttempts: number;
    requestHandler: ReturnType<typeof awsHttpHandler>;
  };
  /** Requests answered so far. */
  requests(): number;
  close(): Promise<void>;
}

/** Starts the server; `onRequest` runs as each request is answered (e.g. to move a test clock on). */
export async function failingAwsServer(
  answer: { contentType: string; body: string },
  onRequest: () => void = () => {},
): Promise<FailingAwsServer> {
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      onRequest();
      res.writeHead(500, { 'content-type': answer.contentType });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    config: {
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'k', secretAccessKey: 's' },
      maxAttempts: 3,
      requestHandler: awsHttpHandler(),
    },
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
