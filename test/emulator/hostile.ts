/**
 * Hostile behaviours for the emulator (issue 11): what a broken, overloaded or malicious server — or
 * something posing as PostHog — can do to a client. Unlike faults.ts (PostHog's own failure answers), these
 * are not PostHog behaviours and no dwctl feature relies on them; they exist so tests can prove dwctl
 * survives them: it neither hangs, nor crashes, nor waits in silence, nor runs out of memory.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type HostileBehaviour =
  /** Accept the request and never answer (the socket stays open until the client gives up). */
  | { kind: 'hang' }
  /** Send 200 headers at once, then the body a few bytes at a time, forever (slowloris). */
  | { kind: 'slow-body'; chunk: string; everyMs: number }
  /** A 200 body of `bytes` bytes, streamed; with `declare`, announced in Content-Length first. */
  | { kind: 'huge-body'; bytes: number; declare: boolean }
  /** A valid list page (DRF shape, `next: null`) with `items` sources. */
  | { kind: 'huge-page'; items: number }
  /** Answer `status` with this Retry-After value, every time. */
  | { kind: 'retry-after'; status: 429 | 503; value: string }
  /**
   * Run `action` (given the raw request body), then handle the request normally: another client acting
   * between dwctl's plan and its request, e.g. a concurrent apply creating the same source.
   */
  | { kind: 'meanwhile'; action: (body: string) => Promise<void> };

export interface HostileRule {
  /** A name for `hits`. */
  name: string;
  method?: string;
  /** Regex (source) tested against the path without query string. */
  path: string;
  /** Regex (source) the raw request body must match, e.g. one source's prefix in a create. */
  body?: string;
  /** Fire at most this many times (unbounded when omitted). */
  times?: number;
  behaviour: HostileBehaviour;
}

interface Active {
  rule: HostileRule;
  path: RegExp;
  body: RegExp | undefined;
  remaining: number;
}

export class HostileController {
  private rules: Active[] = [];
  private waiters: { name: string; resolve: () => void }[] = [];
  /** Names of the rules that fired, in order. */
  readonly hits: string[] = [];
  /** Bytes written by huge-body and slow-body answers (to show the client stopped reading). */
  bytesSent = 0;

  add(...rules: HostileRule[]): void {
    for (const rule of rules) {
      this.rules.push({ rule, path: new RegExp(rule.path), body: rule.body === undefined ? undefined : new RegExp(rule.body), remaining: rule.times ?? Number.POSITIVE_INFINITY });
    }
  }

  clear(): void {
    this.rules = [];
    this.hits.length = 0;
    this.bytesSent = 0;
  }

  /** Resolves when the rule named `name` has fired (at once if it already has). */
  hit(name: string): Promise<void> {
    if (this.hits.includes(name)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ name, resolve }));
  }

  match(method: string, path: string, body: string): HostileRule | null {
    for (const active of this.rules) {
      if (active.remaining <= 0) continue;
      if (active.rule.method && active.rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (!active.path.test(path)) continue;
      if (active.body && !active.body.test(body)) continue;
      active.remaining--;
      this.hits.push(active.rule.name);
      for (const waiter of this.waiters.filter((w) => w.name === active.rule.name)) waiter.resolve();
      this.waiters = this.waiters.filter((w) => w.name !== active.rule.name);
      return active.rule;
    }
    return null;
  }

  /** Play the behaviour on this exchange. Resolves when the emulator is done with it (never, for a hang). */
  async play(rule: HostileRule, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const b = rule.behaviour;
    const stopped = () => res.destroyed || res.writableEnded || req.socket.destroyed;
    switch (b.kind) {
      case 'hang':
        // Nothing is written; the connection is closed by the client or by close().
        return;
      case 'meanwhile':
        throw new Error('meanwhile is not an answer: the server runs its action and goes on');
      case 'slow-body': {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"results": [');
        await new Promise<void>((resolve) => {
          const timer = setInterval(() => {
            if (stopped()) {
              clearInterval(timer);
              resolve();
              return;
            }
            this.bytesSent += Buffer.byteLength(b.chunk);
            res.write(b.chunk);
          }, b.everyMs);
          res.on('close', () => {
            clearInterval(timer);
            resolve();
          });
        });
        return;
      }
      case 'huge-body': {
        res.writeHead(200, { 'Content-Type': 'application/json', ...(b.declare ? { 'Content-Length': String(b.bytes) } : {}) });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let left = b.bytes;
        while (left > 0 && !stopped()) {
          const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
          left -= piece.length;
          this.bytesSent += piece.length;
          if (!res.write(piece)) await new Promise<void>((resolve) => {
            res.once('drain', resolve);
            res.once('close', resolve);
          });
        }
        if (!stopped()) res.end();
        return;
      }
      case 'huge-page': {
        const items: string[] = new Array(b.items);
        for (let i = 0; i < b.items; i++) items[i] = `{"id":"s${i}","source_type":"Stripe","prefix":"p${i}_","status":"Completed","schemas":[]}`;
        const text = `{"count":${b.items},"next":null,"previous":null,"results":[${items.join(',')}]}`;
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) });
        res.end(text);
        return;
      }
      case 'retry-after': {
        const text = JSON.stringify({ type: 'throttled_error', code: 'throttled', detail: 'Request was throttled.', attr: null });
        res.writeHead(b.status, { 'Content-Type': 'application/json', 'Retry-After': b.value, 'Content-Length': String(Buffer.byteLength(text)) });
        res.end(text);
        return;
      }
    }
  }
}
