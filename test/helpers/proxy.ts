/**
 * Test doubles for the network between dwctl and PostHog: a forward proxy (CONNECT tunnels and absolute-URI
 * requests) that counts what went through it, and a TLS front for the emulator with a throwaway self-signed
 * certificate made by the `openssl` CLI at test time.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';

export interface TestProxy {
  url: string;
  /** `host:port` of every CONNECT tunnel opened. */
  connects: string[];
  /** Absolute URLs of every plainly forwarded request. */
  forwards: string[];
  /** The Proxy-Authorization headers seen (CONNECT and forwarded). */
  authorizations: (string | undefined)[];
  /** Every byte that went from the client through a tunnel, to check that TLS kept it opaque. */
  tunnelled(): Buffer;
  close(): Promise<void>;
}

export async function startProxy(): Promise<TestProxy> {
  const connects: string[] = [];
  const forwards: string[] = [];
  const authorizations: (string | undefined)[] = [];
  const tunnelBytes: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    // A forward proxy gets the absolute URL in the request line.
    forwards.push(req.url ?? '');
    authorizations.push(req.headers['proxy-authorization']);
    const target = new URL(req.url ?? '');
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = httpRequest({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    connects.push(req.url ?? '');
    authorizations.push(req.headers['proxy-authorization']);
    sockets.add(client);
    const [host, port] = (req.url ?? '').split(/:(?=\d+$)/);
    const upstream = netConnect(Number(port), host === 'localhost' ? '127.0.0.1' : host!, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      client.on('data', (chunk: Buffer) => tunnelBytes.push(chunk));
      client.pipe(upstream).pipe(client);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  server.on('connection', (socket: Socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connects,
    forwards,
    authorizations,
    tunnelled: () => Buffer.concat(tunnelBytes),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Whether the `openssl` CLI is available to make a throwaway certificate. */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface TlsFront {
  /** `https://localhost:PORT`. */
  url: string;
  /** The self-signed certificate (PEM), to trust in one client only. */
  cert: string;
  certFile: string;
  close(): Promise<void>;
}

/** A TLS server for `localhost` that relays each connection to `targetPort` on loopback (the emulator). */
export async function startTlsFront(targetPort: number): Promise<TlsFront> {
  const dir = mkdtempSync(join(tmpdir(), 'dwctl-tls-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'],
    { stdio: 'ignore' },
  );
  const cert = readFileSync(certFile, 'utf8');
  const sockets = new Set<Socket>();
  const server: TlsServer = createTlsServer({ key: readFileSync(keyFile), cert }, (secure) => {
    const upstream = netConnect(targetPort, '127.0.0.1');
    sockets.add(secure);
    sockets.add(upstream);
    secure.pipe(upstream).pipe(secure);
    upstream.on('error', () => secure.destroy());
    secure.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://localhost:${(server.address() as AddressInfo).port}`,
    cert,
    certFile,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
