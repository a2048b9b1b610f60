import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SecretMasker } from '../../src/secrets.js';
import { createClient, proxyDispatcher, proxySettings } from '../../src/posthog/index.js';
import { BIN } from '../helpers/spawn-cli.js';
import { runCli } from '../helpers/run-cli.js';
import { hasOpenssl, startProxy, startTlsFront, type TestProxy } from '../helpers/proxy.js';
import { startEmulator, type Emulator } from '../emulator/server.js';

/**
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY (and the lower-case forms) over real sockets (issue 11, contract §3):
 * a local proxy counts what goes through it; https goes through a CONNECT tunnel to a TLS server with a
 * throwaway certificate that only the client under test trusts.
 */
const KEY = 'phx_test_key';
let emulator: Emulator;
let proxy: TestProxy;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator();
  dir = mkdtempSync(join(tmpdir(), 'dwctl-proxy-'));
  writeFileSync(join(dir, 'warehouse.yaml'), 'version: 1\nsources:\n  billing:\n    type: Stripe\n    prefix: billing_\n    config:\n      stripe_secret_key: ${STRIPE_KEY}\n    tables:\n      Customer: {sync: full_refresh}\n');
});
afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await proxy?.close();
  emulator.reset();
});

const baseEnv = () => ({ POSTHOG_HOST: emulator.url, POSTHOG_PROJECT_ID: '1', POSTHOG_PERSONAL_API_KEY: KEY, STRIPE_KEY: 'sk_test_x' });

describe('proxy settings', () => {
  it('reads the lower-case name first, then the upper-case one, and nothing when neither is set', () => {
    expect(proxySettings({})).toBeUndefined();
    expect(proxySettings({ NO_PROXY: 'x' })).toBeUndefined();
    expect(proxySettings({ http_proxy: 'http://a:1', HTTP_PROXY: 'http://b:2' })).toMatchObject({ httpProxy: 'http://a:1/', httpsProxy: '' });
    expect(proxySettings({ HTTPS_PROXY: 'proxy.corp:3128', no_proxy: '.corp' })).toMatchObject({ httpsProxy: 'http://proxy.corp:3128/', noProxy: '.corp' });
  });

  it('refuses a malformed proxy URL without echoing it (it may hold a password)', () => {
    expect(() => proxySettings({ HTTPS_PROXY: 'http://user:s3cret@[bad' })).toThrow(/^HTTPS_PROXY is not a valid proxy URL/);
    try {
      proxySettings({ HTTPS_PROXY: 'http://user:s3cret@[bad' });
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cret');
    }
    expect(() => proxySettings({ https_proxy: 'socks5://p:1080' })).toThrow(/https_proxy uses socks5:\/\/, which dwctl does not support/);
  });

  it('collects the proxy password so the masker hides it', () => {
    expect(proxySettings({ HTTP_PROXY: 'http://me:p%40ss@proxy:8080' })!.secrets).toEqual(['p%40ss', 'p@ss']);
  });
});

describe('HTTP_PROXY and NO_PROXY, through the CLI', () => {
  it('HTTP_PROXY: every request to PostHog goes through the proxy', async () => {
    proxy = await startProxy();
    const result = await runCli(['status'], { cwd: dir, env: { ...baseEnv(), HTTP_PROXY: proxy.url } });
    expect(result.exitCode, result.stderr).toBe(0);
    const through = proxy.connects.length + proxy.forwards.length;
    expect(through).toBeGreaterThanOrEqual(1);
    expect(emulator.requests).toHaveLength(1);
  });

  it('http_proxy (lower case) is honoured too', async () => {
    proxy = await startProxy();
    const result = await runCli(['status'], { cwd: dir, env: { ...baseEnv(), http_proxy: proxy.url } });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(proxy.connects.length + proxy.forwards.length).toBeGreaterThanOrEqual(1);
  });

  it('NO_PROXY naming the host bypasses the proxy', async () => {
    proxy = await startProxy();
    const result = await runCli(['status'], { cwd: dir, env: { ...baseEnv(), HTTP_PROXY: proxy.url, NO_PROXY: 'example.com,127.0.0.1' } });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(proxy.connects).toEqual([]);
    expect(proxy.forwards).toEqual([]);
    expect(emulator.requests).toHaveLength(1);
  });

  it('a proxy password is sent to the proxy but never printed, even with --verbose', async () => {
    proxy = await startProxy();
    const withAuth = proxy.url.replace('http://', 'http://me:hunter2-proxy@');
    const result = await runCli(['status', '--verbose'], { cwd: dir, env: { ...baseEnv(), HTTP_PROXY: withAuth } });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(proxy.authorizations[0]).toBe(`Basic ${Buffer.from('me:hunter2-proxy').toString('base64')}`);
    expect(result.stdout + result.stderr).not.toContain('hunter2-proxy');
  });

  it('an unreachable proxy is exit 3 with a message, not a hang or a stack trace', async () => {
    proxy = await startProxy();
    const dead = proxy.url;
    await proxy.close();
    const result = await runCli(['status'], { cwd: dir, env: { ...baseEnv(), HTTP_PROXY: dead } });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(/Could not reach PostHog at http:\/\/127\.0\.0\.1:\d+/);
    expect(result.stderr).toMatch(/proxy \(HTTPS_PROXY, NO_PROXY\)/);
    expect(result.stderr).not.toMatch(/This is a bug/);
  });
});

describe('a proxy that accepts the connection and never answers', () => {
  // undici sends the CONNECT without the request's abort signal: only a bound on the proxy's answer ends it.
  it.each([
    ['HTTP_PROXY, http host', () => ({ ...baseEnv() }), 'HTTP_PROXY'],
    ['HTTPS_PROXY, https host', () => ({ ...baseEnv(), POSTHOG_HOST: 'https://posthog.invalid' }), 'HTTPS_PROXY'],
  ])('%s: exit 3 after --request-timeout, naming it, not a hang', async (_name, env, variable) => {
    const held: Socket[] = [];
    const silent = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
      const result = await runCli(['status', '--request-timeout', '1'], { cwd: dir, env: { ...env(), [variable]: url } });
      expect(result.exitCode).toBe(3);
      expect(result.stderr).toMatch(/no answer within 1s, the request timeout/);
      expect(held.length).toBeGreaterThanOrEqual(1);
      expect(emulator.requests).toEqual([]);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 20_000);
});

describe('HTTPS_PROXY: https through a CONNECT tunnel', () => {
  it.skipIf(!hasOpenssl())('the client reaches an https PostHog through the tunnel; the proxy sees only the CONNECT and ciphertext', async () => {
    proxy = await startProxy();
    const front = await startTlsFront(Number(new URL(emulator.url).port));
    try {
      const settings = proxySettings({ HTTPS_PROXY: proxy.url })!;
      // The throwaway certificate is trusted by this client only.
      const dispatcher = proxyDispatcher(settings, { requestTls: { ca: front.cert } })!;
      const client = createClient({ host: front.url, projectId: '1', apiKey: KEY, masker: new SecretMasker(), dispatcher });
      expect(await client.listSources()).toEqual([]);
      expect(proxy.connects).toEqual([`localhost:${new URL(front.url).port}`]);
      expect(proxy.forwards).toEqual([]);
      expect(emulator.requests.map((r) => r.path)).toEqual(['/api/projects/1/external_data_sources/?limit=100&offset=0']);
      // TLS end to end: neither the key nor the path crossed the proxy in the clear.
      expect(proxy.tunnelled().length).toBeGreaterThan(0);
      expect(proxy.tunnelled().includes(KEY)).toBe(false);
      expect(proxy.tunnelled().includes('external_data_sources')).toBe(false);
    } finally {
      await front.close();
    }
  });

  it.skipIf(!hasOpenssl())('the built CLI honours HTTPS_PROXY (the certificate trusted through NODE_EXTRA_CA_CERTS of that process only)', async () => {
    proxy = await startProxy();
    const front = await startTlsFront(Number(new URL(emulator.url).port));
    try {
      const env = { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...baseEnv(), POSTHOG_HOST: front.url, HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: front.certFile };
      // Spawned asynchronously: the proxy and the TLS front live in this process and must keep answering.
      const child = spawn(process.execPath, [BIN, 'status', '--format', 'json'], { cwd: dir, env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code, stderr).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ format_version: 1 });
      expect(proxy.connects).toEqual([`localhost:${new URL(front.url).port}`]);
      expect(proxy.tunnelled().includes(KEY)).toBe(false);
    } finally {
      await front.close();
    }
  }, 30_000);

  it.skipIf(!hasOpenssl())('without trusting the certificate, the TLS failure is exit 3 naming a certificate problem, not a retry loop', async () => {
    proxy = await startProxy();
    const front = await startTlsFront(Number(new URL(emulator.url).port));
    try {
      const result = await runCli(['status'], { cwd: dir, env: { ...baseEnv(), POSTHOG_HOST: front.url, HTTPS_PROXY: proxy.url } });
      expect(result.exitCode).toBe(3);
      expect(result.stderr).toMatch(/TLS problem|certificate/i);
      expect(proxy.connects).toHaveLength(1);
    } finally {
      await front.close();
    }
  });
});
