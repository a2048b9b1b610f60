import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretMasker } from '../../src/secrets.js';
import { AmbiguousRequestError, PostHogUnreachableError, createClient, type PostHogClient } from '../../src/posthog/index.js';
import { API_KEY, PROJECT, rejection } from './helpers.js';

/**
 * The same rules over a real loopback socket, so the network errors are undici's own rather than
 * simulated ones: a dropped connection after the request was sent, a refused connection, a silent server.
 */
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

function client(host: string, extra: { timeoutMs?: number; maxRetries?: number } = {}): PostHogClient {
  return createClient({ host, projectId: PROJECT, apiKey: API_KEY, masker: new SecretMasker(), sleep: async () => {}, ...extra });
}

describe('over a real socket', () => {
  it('sends the request PostHog expects', async () => {
    const seen: { method?: string; url?: string; auth?: string; body?: string } = {};
    const host = await serve((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        Object.assign(seen, { method: req.method, url: req.url, auth: req.headers.authorization, body });
        res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"abc"}');
      });
    });
    expect(await client(host).createSource({ source_type: 'Stripe', prefix: null, payload: {} })).toEqual({ id: 'abc' });
    expect(seen).toEqual({
      method: 'POST',
      url: `/api/projects/${PROJECT}/external_data_sources/`,
      auth: `Bearer ${API_KEY}`,
      body: '{"source_type":"Stripe","prefix":null,"payload":{}}',
    });
  });

  it('create: the server drops the connection after reading the request → ambiguous, one request', async () => {
    let requests = 0;
    const host = await serve((req) => {
      requests++;
      req.resume();
      req.on('end', () => req.socket.destroy());
    });
    const c = client(host);
    const error = await rejection(c.createSource({ source_type: 'Stripe', payload: {} }));
    expect(error).toBeInstanceOf(AmbiguousRequestError);
    expect(requests).toBe(1);
    expect(c.stats.requests).toBe(1);
  });

  it('a GET whose connection drops is retried', async () => {
    let requests = 0;
    const host = await serve((req, res) => {
      requests++;
      if (requests === 1) return req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"supports_webhooks":false,"exists":false}');
    });
    expect(await client(host).webhookInfo('x')).toMatchObject({ exists: false });
    expect(requests).toBe(2);
  });

  it('create: a refused connection (nothing listening) is retried, then PostHog is unreachable', async () => {
    const host = await serve(() => {});
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const c = client(host, { maxRetries: 2 });
    const error = await rejection(c.createSource({ source_type: 'Stripe', payload: {} }));
    expect(error).toBeInstanceOf(PostHogUnreachableError);
    expect(error).toMatchObject({ reason: 'ECONNREFUSED', outcome: 'could-not-run' });
    expect(c.stats.requests).toBe(3);
  });

  it('a server that never answers hits the deadline', async () => {
    const host = await serve(() => {});
    const c = client(host, { timeoutMs: 50, maxRetries: 0 });
    const error = await rejection(c.getSource('x'));
    expect(error).toBeInstanceOf(PostHogUnreachableError);
    expect(error).toMatchObject({ reason: 'timeout' });
  });
});
