/** Helpers for the emulator's own tests: a tiny JSON client and the shared PostHog examples. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Emulator } from './server.js';

export const STRIPE_KEY = 'rk_test_good';
export const STRIPE_KEY_NO_WEBHOOKS = 'rk_test_nowrite';

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

/** `call(emulator, 'POST', 'external_data_sources/', body)` relative to the project, or an absolute path. */
export async function call(emulator: Emulator, method: string, path: string, body?: unknown, key: string | null = 'phx_test_key'): Promise<Reply> {
  const url = path.startsWith('/') || path.startsWith('http') ? new URL(path, emulator.url) : new URL(`/api/projects/${emulator.projectId}/${path}`, emulator.url);
  const headers: Record<string, string> = {};
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** shared/posthog beside the clone (CI), else the machine's copy. */
export function examplesDir(): string {
  const beside = join(root, '..', 'shared', 'posthog');
  return existsSync(beside) ? beside : '/work/shared/posthog';
}

export function example(file: string): any {
  return JSON.parse(readFileSync(join(examplesDir(), file), 'utf8'));
}

export const stripePayload = (key = STRIPE_KEY) => ({ auth_method: { selection: 'api_key', stripe_secret_key: key }, stripe_account_id: null });

export async function createStripe(emulator: Emulator, prefix: string | null, schemas: unknown[], key = STRIPE_KEY): Promise<string> {
  const reply = await call(emulator, 'POST', 'external_data_sources/', { source_type: 'Stripe', prefix, payload: { ...stripePayload(key), schemas } });
  if (reply.status !== 201) throw new Error(`create failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.id as string;
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
