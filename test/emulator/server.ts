/**
 * The PostHog emulator: a real HTTP server on 127.0.0.1 that answers the data-warehouse sources API
 * as PostHog's code does (shared/posthog/API.md), with fault injection and test inspection routes.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { authorize, type KeySpec, presentedKey, RateLimiter } from './auth.js';
import type { Context, RequestInfo, ResolvedOptions } from './context.js';
import { createDrivers } from './drivers/index.js';
import type { StripeAccount } from './drivers/stripe.js';
import { FaultController, type FaultRule, parseFaultRules } from './faults.js';
import { HostileController } from './hostile.js';
import { hog, HttpReply, notFound, throttled } from './responses.js';
import { handleSchemas, schemaActionScope } from './schemas-api.js';
import { handleSources, sourceActionScope } from './sources-api.js';
import { EmulatorState } from './state.js';
import { SyncSimulator } from './sync.js';
import { addManualEndpoint } from './webhooks.js';

export { EmulatorState } from './state.js';
export { FaultController, type FaultRule } from './faults.js';
export { HostileController, type HostileRule } from './hostile.js';

export interface EmulatorOptions {
  port?: number;
  projectId?: number;
  /** Personal API keys: key -> scopes (null = legacy unscoped key) and optional project allow-list. */
  keys?: Record<string, KeySpec>;
  cdcEnabledForTeam?: boolean;
  syncDurationMs?: number;
  /** Stripe accounts keyed by API key. Unknown keys are rejected with Stripe's text. */
  stripeKeys?: Record<string, StripeAccount>;
  /** OAuth integrations that exist in the project (id -> kind), e.g. {101: 'hubspot'}. */
  integrations?: Record<number, string>;
  /** Tables (warehouse table name or `<prefix>/<table>`) whose syncs fail, with the error text. */
  failingSyncs?: Record<string, string>;
  rateLimitPerMinute?: number;
  webhookHost?: string;
  log?: (line: string) => void;
  /** false = a PostHog from before `bulk_update_schemas` (the route answers 404). Default true. */
  bulkUpdateSchemas?: boolean;
  /**
   * Which scope list `bulk_update_schemas` is in (API.md §12, §1 scopes). `none` (default, the newest
   * viewset read on 2026-12-01): in neither list, so a scoped personal API key gets 403 "This action
   * does not support Personal API Key access" (legacy unscoped keys pass). `write`: a write action.
   */
  bulkUpdateSchemasScope?: 'none' | 'write';
  /** Seed of the fault-probability RNG (default 1). */
  faultSeed?: number;
}

export interface RecordedRequest {
  method: string;
  /** Path with query string. */
  path: string;
  /** 0 when the connection was reset instead of answered; -1 when a hostile behaviour (hostile.ts) answered. */
  status: number;
  body: unknown;
  timestamp: string;
}

export interface Emulator {
  url: string;
  projectId: number;
  state: EmulatorState;
  requests: RecordedRequest[];
  faults: FaultController;
  /** Behaviours no PostHog has (hangs, huge bodies, …), for adversarial tests (hostile.ts). */
  hostile: HostileController;
  reset(): void;
  close(): Promise<void>;
}

const API_PATH = /^\/api\/(projects|environments)\/([^/]+)\/(external_data_sources|external_data_schemas)(?:\/(.*))?$/;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** DRF's JSONParser: an unparsable body is a 400 parse_error. */
function parseBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw hog(400, 'invalid_request', 'parse_error', `JSON parse error - ${(error as Error).message}`);
  }
}

function send(res: ServerResponse, reply: HttpReply): void {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.body === undefined) {
    res.writeHead(reply.status, { ...headers, 'Content-Length': '0' });
    res.end();
    return;
  }
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  headers['Content-Type'] ??= typeof reply.body === 'string' ? 'text/html; charset=utf-8' : 'application/json';
  res.writeHead(reply.status, { ...headers, 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/** What an injected status looks like: PostHog's own 429/500 bodies, a proxy's page for 502–504. */
function faultReply(rule: FaultRule): HttpReply {
  const status = rule.status!;
  const retryAfter = rule.retryAfter ?? 1;
  if (status === 429) return throttled(retryAfter);
  if (status === 500) return hog(500, 'server_error', 'error', 'A server error occurred.');
  const headers: Record<string, string> = status === 503 ? { 'Retry-After': String(retryAfter) } : {};
  return new HttpReply(status, `<html><body><h1>${status}</h1>The server is temporarily unavailable.</body></html>`, headers);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const resolved: ResolvedOptions = {
    projectId: options.projectId ?? 1,
    cdcEnabledForTeam: options.cdcEnabledForTeam ?? true,
    syncDurationMs: options.syncDurationMs ?? 1500,
    stripeKeys: options.stripeKeys ?? {},
    integrations: options.integrations ?? {},
    failingSyncs: options.failingSyncs ?? {},
    webhookHost: options.webhookHost ?? 'https://webhooks.us.posthog.com',
    bulkUpdateSchemas: options.bulkUpdateSchemas ?? true,
    bulkUpdateSchemasScope: options.bulkUpdateSchemasScope ?? 'none',
  };
  const keys = options.keys ?? { phx_test_key: { scopes: ['*'] } };
  const state = new EmulatorState();
  const drivers = createDrivers({ stripeKeys: resolved.stripeKeys, integrations: resolved.integrations });
  const sync = new SyncSimulator(state, () => resolved.syncDurationMs, () => resolved.failingSyncs, drivers);
  const faults = new FaultController(options.faultSeed ?? 1);
  const hostile = new HostileController();
  const limiter = new RateLimiter(options.rateLimitPerMinute ?? 480);
  const requests: RecordedRequest[] = [];
  const log = options.log ?? (() => undefined);

  function reset(): void {
    sync.stopAll();
    state.clear();
    faults.clear();
    hostile.clear();
    limiter.clear();
    requests.length = 0;
  }

  /** `/_emulator/*`: unauthenticated inspection and control for out-of-process tests. */
  function inspection(method: string, path: string, body: unknown): HttpReply {
    const route = `${method} ${path.replace(/\/$/, '')}`;
    switch (route) {
      case 'GET /_emulator/state':
        return new HttpReply(200, state.snapshot());
      case 'GET /_emulator/requests':
        return new HttpReply(200, requests);
      case 'POST /_emulator/faults': {
        try {
          const parsed = parseFaultRules(body);
          if (parsed.seed !== undefined) faults.seed(parsed.seed);
          faults.add(...parsed.rules);
        } catch (error) {
          return new HttpReply(400, { message: (error as Error).message });
        }
        return new HttpReply(200, { rules: faults.list() });
      }
      case 'POST /_emulator/stripe/endpoints': {
        // A Stripe endpoint the user created by hand in Stripe's dashboard: {source_id, enabled_events}.
        const request = (body ?? {}) as { source_id?: unknown; enabled_events?: unknown };
        const source = typeof request.source_id === 'string' ? state.sources.get(request.source_id) : undefined;
        if (!source || source.deleted || !Array.isArray(request.enabled_events)) {
          return new HttpReply(400, { message: 'expected {"source_id": "<live source id>", "enabled_events": ["…"]}' });
        }
        try {
          const endpoint = addManualEndpoint({ state, options: resolved, drivers, sync, baseUrl: '' }, source, request.enabled_events.map(String));
          return new HttpReply(201, { id: endpoint.id, url: endpoint.url });
        } catch (error) {
          return new HttpReply(400, { message: (error as Error).message });
        }
      }
      case 'DELETE /_emulator/faults':
        faults.clear();
        return new HttpReply(204, undefined);
      case 'POST /_emulator/reset':
        reset();
        return new HttpReply(204, undefined);
      default:
        return notFound();
    }
  }

  /** Auth, project, scope, throttle, then the action (DRF's order: authenticate, permissions, throttles). */
  async function api(req: IncomingMessage, url: URL, body: unknown, baseUrl: string): Promise<HttpReply> {
    const match = API_PATH.exec(url.pathname.replace(/\/+$/, ''));
    const key = presentedKey(req, url.searchParams, body);
    if (!match) return notFound();
    const [, , project, collection, rest] = match;
    const segments = [collection!, ...(rest ? rest.split('/') : [])];
    const method = req.method ?? 'GET';
    const needed =
      collection === 'external_data_sources' ? sourceActionScope(method, segments, resolved.bulkUpdateSchemas ? resolved.bulkUpdateSchemasScope : 'write') : schemaActionScope(method, segments);
    authorize(keys, key, project!, resolved.projectId, needed);
    if (project !== '@current' && project !== String(resolved.projectId)) throw notFound();
    const refusal = limiter.hit(key!);
    if (refusal) return refusal;
    const ctx: Context = { state, options: resolved, drivers, sync, baseUrl };
    const info: RequestInfo = { method, segments, query: url.searchParams, body, url };
    return collection === 'external_data_sources' ? handleSources(ctx, info) : handleSchemas(ctx, info);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const baseUrl = `http://${req.headers.host ?? '127.0.0.1'}`;
    const url = new URL(req.url ?? '/', baseUrl);
    const method = req.method ?? 'GET';
    const text = await readBody(req);
    const isInspection = url.pathname.startsWith('/_emulator/');
    const record = (status: number, body: unknown) => {
      if (isInspection) return;
      requests.push({ method, path: url.pathname + url.search, status, body, timestamp: new Date().toISOString() });
      log(`${method} ${url.pathname}${url.search} -> ${status === 0 ? 'connection reset' : status}`);
    };

    const hostileRule = isInspection ? null : hostile.match(method, url.pathname, text);
    if (hostileRule?.behaviour.kind === 'meanwhile') await hostileRule.behaviour.action(text);
    else if (hostileRule) {
      record(-1, safeParse(text));
      await hostile.play(hostileRule, req, res);
      return;
    }

    let parsedBody: unknown;
    let reply: HttpReply;
    const rule = isInspection ? null : faults.match(method, url.pathname);
    if (rule?.delayMs) await sleep(rule.delayMs);
    if (rule?.action === 'reset-before') {
      record(0, safeParse(text));
      req.socket.destroy();
      return;
    }
    if (rule?.status) {
      reply = faultReply(rule);
      parsedBody = safeParse(text);
    } else {
      try {
        parsedBody = parseBody(text);
        reply = isInspection ? inspection(method, url.pathname, parsedBody) : await api(req, url, parsedBody, baseUrl);
      } catch (error) {
        if (error instanceof HttpReply) reply = error;
        else {
          log(`internal error: ${(error as Error).stack ?? String(error)}`);
          reply = hog(500, 'server_error', 'error', 'A server error occurred.');
        }
      }
    }
    if (rule?.action === 'reset-after') {
      // The effect happened; the client never learns the outcome.
      record(0, parsedBody);
      req.socket.destroy();
      return;
    }
    record(reply.status, parsedBody);
    send(res, reply);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`unhandled: ${String(error)}`);
      if (!res.headersSent) send(res, hog(500, 'server_error', 'error', 'A server error occurred.'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    projectId: resolved.projectId,
    state,
    requests,
    faults,
    hostile,
    reset,
    close: async () => {
      sync.stopAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function safeParse(text: string): unknown {
  try {
    return text.trim() ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return text;
  }
}
