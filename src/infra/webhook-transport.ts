import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { WebhookResponse, WebhookTransport } from '../domain/webhook-deliveries.js';
import { addressRefusedCode, checkWebhookUrl, type WebhookAddressPolicy, webhookLookup } from './webhook-address.js';

// POSTs webhook bodies. Every request is checked where it goes, at that moment: the URL again (an IP literal
// never reaches the lookup), then each address its host resolves to when a connection is made, so a host that
// later resolves to a private or metadata address (DNS rebinding) is refused then. Redirects are not followed
// (a 3xx is a failed attempt); a response is read up to a limit and no longer than the timeout.

/**
 * Whether endpoints may be created for a URL, as endpoint management asks (deliveries check again, each time).
 * A host that does not resolve (yet) is accepted: its deliveries fail until it does, and are checked then.
 */
/** Longest endpoint management waits for the URL's host to resolve; deliveries check again, each time. */
const destinationLookupMs = 3_000;

export function webhookDestinationCheck(policy: WebhookAddressPolicy) {
  const lookup = webhookLookup(policy);
  return async (url: string): Promise<string | null> => {
    const problem = checkWebhookUrl(url, policy);
    if (problem) return problem;
    const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host)) return null; // checkWebhookUrl judged the literal
    return new Promise((resolve) => {
      // A resolver that doesn't answer must not hold the request: unresolved is accepted, as a host that doesn't resolve yet.
      const timer = setTimeout(() => resolve(null), destinationLookupMs);
      lookup(host, { all: true }, (error) => {
        clearTimeout(timer);
        const refused = (error as NodeJS.ErrnoException | null)?.code === addressRefusedCode;
        resolve(refused ? `The URL's host ${error?.message.replace(/^webhook host /, '')}, which webhooks may not reach` : null);
      });
    });
  };
}

/** Most bytes of a response read before the connection is cut (the attempt keeps its first KB). */
const readLimitBytes = 64 * 1_024;

export function httpWebhookTransport(options: { timeoutMs: number; address: WebhookAddressPolicy }): WebhookTransport {
  const lookup = webhookLookup(options.address);
  // Keep-alive: a busy endpoint gets its deliveries over a few warm connections, not a handshake each.
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 50, lookup } as http.AgentOptions),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 50, lookup } as https.AgentOptions),
  };
  return ({ url, body, headers }) => {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const refused = checkWebhookUrl(url, options.address);
    if (refused) return Promise.resolve({ statusCode: null, body: '', error: `Refused: ${refused}`, durationMs: 0 });
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : http;
    return new Promise<WebhookResponse>((resolve) => {
      let settled = false;
      const finish = (response: Omit<WebhookResponse, 'durationMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ...response, durationMs: elapsed() });
      };
      const request = client.request(target, {
        method: 'POST',
        agent: agents[target.protocol as 'http:' | 'https:'],
        lookup,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      });
      const timer = setTimeout(() => {
        finish({ statusCode: null, body: '', error: `No response within ${options.timeoutMs} ms` });
        request.destroy();
      }, options.timeoutMs);
      request.on('error', (error: NodeJS.ErrnoException) => {
        const reason = error.code === addressRefusedCode ? `Refused: ${error.message}` : `${error.code ?? 'Error'}: ${error.message}`;
        finish({ statusCode: null, body: '', error: reason });
      });
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let received = 0;
        const done = () => finish({ statusCode: response.statusCode ?? null, body: Buffer.concat(chunks).toString('utf8'), error: null });
        response.on('data', (chunk: Buffer) => {
          if (received < readLimitBytes) chunks.push(chunk.subarray(0, readLimitBytes - received));
          received += chunk.length;
          if (received >= readLimitBytes) {
            done();
            response.destroy();
          }
        });
        response.on('end', done);
        response.on('error', done);
        response.on('close', done);
      });
      request.end(body);
    });
  };
}
