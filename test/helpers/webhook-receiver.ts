import http from 'node:http';
import type { AddressInfo } from 'node:net';

// A real HTTP receiver for webhook tests: records every request (raw body and headers) and answers as told.

type ReceivedWebhook = { path: string; headers: http.IncomingHttpHeaders; rawBody: string; receivedAt: number };

/** How to answer one request: a status (and body), or hold it open for `hangMs` without answering. */
export type Answer = { status: number; body?: string; hangMs?: number; headers?: Record<string, string> };

export type WebhookReceiver = {
  url: (path?: string) => string;
  received: ReceivedWebhook[];
  /** Answers for the next requests, in order; after them, `fallback`. */
  answers: Answer[];
  fallback: Answer;
  /** Received bodies, parsed. */
  events: () => Array<{ id: string; type: string; sequence: number; occurredAt: string; data: Record<string, unknown> }>;
  close: () => Promise<void>;
};

export async function startWebhookReceiver(fallback: Answer = { status: 200, body: 'ok' }): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const receiver = {
    received,
    answers: [] as Answer[],
    fallback,
  } as WebhookReceiver;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '/', headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() });
      const answer = receiver.answers.shift() ?? receiver.fallback;
      const respond = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        res.end(answer.body ?? '');
      };
      if (answer.hangMs) setTimeout(respond, answer.hangMs).unref();
      else respond();
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  receiver.url = (path = '/hook') => `http://127.0.0.1:${port}${path}`;
  receiver.events = () => received.map((request) => JSON.parse(request.rawBody));
  receiver.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return receiver;
}
