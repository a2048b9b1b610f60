// A minimal Language Server Protocol client over stdio, written for the tests: JSON-RPC 2.0 messages framed
// with `Content-Length` headers, as an editor sends them. It answers the requests a server sends to its
// client (workspace/configuration, client/registerCapability, ...) so the server never waits on us.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface JsonRpcMessage {
  jsonrpc: '2.0';
  id?: number | string | null;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

type Notification = { method: string; params: unknown };
type ServerRequestHandler = (params: unknown) => unknown;

export class LspClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; method: string }>();
  private readonly notifications: Notification[] = [];
  private readonly waiters: { predicate: (n: Notification) => boolean; resolve: (n: Notification) => void }[] = [];
  private readonly handlers = new Map<string, ServerRequestHandler>();
  /** Everything the server wrote to stderr, for failure messages. */
  stderr = '';
  exited: Promise<number | null>;

  constructor(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8');
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
    void this.exited.then((code) => {
      for (const [, p] of this.pending) p.reject(new Error(`server exited (code ${code}) before answering ${p.method}\n${this.stderr}`));
      this.pending.clear();
    });
    // Answer the server's own requests the way a plain editor would.
    this.onRequest('workspace/configuration', (params) => {
      const items = (params as { items?: unknown[] }).items ?? [];
      return items.map(() => null);
    });
    this.onRequest('client/registerCapability', () => null);
    this.onRequest('client/unregisterCapability', () => null);
    this.onRequest('window/workDoneProgress/create', () => null);
    this.onRequest('window/showMessageRequest', () => null);
  }

  /** Register an answer for a request the server sends to the client. */
  onRequest(method: string, handler: ServerRequestHandler): void {
    this.handlers.set(method, handler);
  }

  request<T = unknown>(method: string, params: unknown, timeoutMs = 20_000): Promise<T> {
    const id = this.nextId++;
    const answer = new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer to ${method} within ${timeoutMs} ms\nserver stderr:\n${this.stderr}`));
      }, timeoutMs);
      this.pending.set(id, {
        method,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
    this.send({ jsonrpc: '2.0', id, method, params });
    return answer;
  }

  notify(method: string, params: unknown): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  /** The first notification (already received or still to come) that satisfies the predicate. */
  waitForNotification(method: string, predicate: (params: any) => boolean = () => true, timeoutMs = 20_000): Promise<any> {
    const match = (n: Notification) => n.method === method && predicate(n.params);
    const seen = this.notifications.find(match);
    if (seen) return Promise.resolve(seen.params);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const got = this.notifications.map((n) => n.method).join(', ');
        reject(new Error(`no ${method} notification within ${timeoutMs} ms (received: ${got})\nserver stderr:\n${this.stderr}`));
      }, timeoutMs);
      this.waiters.push({
        predicate: match,
        resolve: (n) => {
          clearTimeout(timer);
          resolve(n.params);
        },
      });
    });
  }

  /** Forget notifications received so far (e.g. before editing a document and waiting for new diagnostics). */
  clearNotifications(): void {
    this.notifications.length = 0;
  }

  async shutdown(): Promise<void> {
    if (this.child.exitCode !== null) return;
    try {
      await this.request('shutdown', null, 5_000);
      this.notify('exit', null);
    } catch {
      // fall through to kill
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3_000);
    await this.exited;
    clearTimeout(timer);
  }

  private send(message: JsonRpcMessage): void {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    this.child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.child.stdin.write(body);
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const length = /Content-Length:\s*(\d+)/i.exec(header);
      if (!length) throw new Error(`LSP frame without Content-Length: ${header}`);
      const start = headerEnd + 4;
      const end = start + Number(length[1]);
      if (this.buffer.length < end) return;
      const message = JSON.parse(this.buffer.subarray(start, end).toString('utf8')) as JsonRpcMessage;
      this.buffer = this.buffer.subarray(end);
      this.dispatch(message);
    }
  }

  private dispatch(message: JsonRpcMessage): void {
    if (message.method !== undefined && message.id !== undefined && message.id !== null) {
      // A request from the server.
      const handler = this.handlers.get(message.method);
      if (handler) this.send({ jsonrpc: '2.0', id: message.id, result: handler(message.params) ?? null });
      else this.send({ jsonrpc: '2.0', id: message.id, error: { code: -32601, message: `client does not handle ${message.method}` } });
      return;
    }
    if (message.method !== undefined) {
      const n = { method: message.method, params: message.params };
      this.notifications.push(n);
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        const w = this.waiters[i]!;
        if (w.predicate(n)) {
          this.waiters.splice(i, 1);
          w.resolve(n);
        }
      }
      return;
    }
    if (typeof message.id === 'number') {
      const p = this.pending.get(message.id);
      if (!p) return;
      this.pending.delete(message.id);
      if (message.error) p.reject(new Error(`${p.method} failed: ${message.error.code} ${message.error.message}`));
      else p.resolve(message.result);
    }
  }
}
