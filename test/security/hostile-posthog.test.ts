/**
 * Hostile answers: PostHog relays texts from other systems (a database's error message, table names, Stripe's
 * messages, a failed sync's latest_error). Here they carry ESC/BEL sequences, C1 and bidi characters, forged
 * workflow commands on new lines, lone code fences and markdown. A proxy in front of the emulator plays the
 * relaying PostHog (test/security/hostile.ts); a failing sync's text comes from the emulator's own `failingSyncs`.
 * Every output of plan, discover, apply and status must stay inert, and the secrets dwctl sent must not come back
 * in any transformed form.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../emulator/server.js';
import { runChecked, startWorld, type World } from '../helpers/world.js';
import { extraEmulator, SHOP_SOURCE, yaml } from '../e2e/apply-helpers.js';
import { HOSTILE, HOSTILE_ALL, expectMarkdownSafe, expectTerminalSafe, startHostileProxy, type ProxyRule } from './hostile.js';

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.close();
});

/** PostHog's 400 for a credential check that failed with the source's own message (API.md §2.2). */
const refusal = (detail: string) => ({ status: 400, body: { type: 'validation_error', code: 'invalid_input', detail, attr: null } });

async function throughProxy<T>(upstream: Emulator, rules: ProxyRule[], body: (env: Record<string, string>) => Promise<T>): Promise<T> {
  const proxy = await startHostileProxy(upstream.url, rules);
  try {
    return await body({ POSTHOG_HOST: proxy.url, POSTHOG_PROJECT_ID: String(upstream.projectId) });
  } finally {
    await proxy.close();
  }
}

const SCHEMA = /\/external_data_sources\/database_schema\/$/;
const LIST = /\/external_data_sources\/$/;
const DETAIL = /\/external_data_sources\/[0-9a-f-]{36}\/$/;

describe('a hostile error message from the source', () => {
  it.each(['text', 'github', 'markdown', 'json'])('stays inert in plan --format %s', async (format) => {
    await world.write(yaml(SHOP_SOURCE));
    const r = await throughProxy(world.emulator, [{ method: 'POST', path: SCHEMA, reply: refusal(`connection failed: ${HOSTILE_ALL}`) }], (env) =>
      runChecked(world, ['plan', '--format', format], env),
    );
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('credentials-rejected');
    if (format === 'markdown') expectMarkdownSafe(r.stdout, 'plan markdown');
    else expectTerminalSafe(r.stdout, `plan ${format}`, { annotations: format === 'github' });
    expectTerminalSafe(r.stderr, 'plan stderr');
  });

  it('stays inert in discover, and in the error report of a refused request', async () => {
    await world.write(yaml(SHOP_SOURCE));
    const discover = await throughProxy(world.emulator, [{ method: 'POST', path: SCHEMA, reply: refusal(HOSTILE_ALL) }], (env) => runChecked(world, ['discover', 'shop_db'], env));
    expect(discover.exitCode).toBe(1);
    expect(discover.stderr).toContain('PostHog could not connect to shop_db');
    expectTerminalSafe(discover.stdout + discover.stderr, 'discover');

    // A 403 on the first request: reported by report-error (stderr, and a JSON error on stdout).
    for (const format of ['text', 'json']) {
      const r = await throughProxy(world.emulator, [{ method: 'GET', path: LIST, reply: { status: 403, body: { type: 'authentication_error', code: 'permission_denied', detail: HOSTILE_ALL, attr: null } } }], (env) =>
        runChecked(world, ['plan', '--format', format], env),
      );
      expect(r.exitCode).toBe(3);
      expectTerminalSafe(r.stdout + r.stderr, `error report (${format})`);
      if (format === 'json') expect((JSON.parse(r.stdout) as { error: { message: string } }).error.message).toContain('forged annotation');
    }
  });
});

describe('secrets echoed back transformed', () => {
  // Characters that every encoding changes: quote, backslash, space, slash, plus, percent, non-ASCII.
  const password = 'Pa"ss w/rd\\w0rld+s3cret%é-2024';
  const echoes = {
    upper: password.toUpperCase(),
    'url-encoded': encodeURIComponent(password),
    base64: Buffer.from(password).toString('base64'),
    'base64 inside a Basic credential': Buffer.from(`postgres:${password}`).toString('base64').slice(12),
    'cut short (just over half)': password.slice(0, Math.ceil(password.length / 2) + 1),
    'json-escaped': JSON.stringify(password).slice(1, -1),
  };

  it.each(Object.entries(echoes))('masks the %s echo in every plan format and the plan file', async (_name, echo) => {
    await world.write(yaml(SHOP_SOURCE));
    for (const format of ['text', 'github', 'markdown', 'json']) {
      const r = await throughProxy(world.emulator, [{ method: 'POST', path: SCHEMA, reply: refusal(`password authentication failed for "${echo}"`) }], (env) =>
        runChecked(world, ['plan', '--format', format, '--out', 'plan.json'], { ...env, SHOP_DB_PASSWORD: password }),
      );
      expect(r.stdout).toContain('password authentication failed for');
      // Not the echo, and not a piece of it either: its first and last 8 characters are gone too.
      for (const text of [r.stdout, r.stderr, r.planText]) {
        for (const piece of [echo, echo.slice(0, 8), echo.slice(-8), password]) expect(text).not.toContain(piece);
      }
    }
  });
});

describe('hostile table names, prefixes and latest_error', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await extraEmulator({ syncDurationMs: 20, failingSyncs: { shop_postgres_orders: `sync failed: ${HOSTILE_ALL}` } });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('apply --wait, then status: the failed sync\'s latest_error is shown escaped', async () => {
    await world.write(yaml(SHOP_SOURCE));
    const env = { POSTHOG_HOST: emulator.url, POSTHOG_PROJECT_ID: String(emulator.projectId) };
    const apply = await runChecked(world, ['apply', '--yes', '--wait', '--timeout', '20s'], env);
    expect(apply.stdout + apply.stderr).toContain('forged annotation');
    expectTerminalSafe(apply.stdout + apply.stderr, 'apply --wait');
    const status = await runChecked(world, ['status'], env);
    expect(status.stdout).toContain('forged annotation');
    expectTerminalSafe(status.stdout + status.stderr, 'status');
  });

  it('status and plan with hostile names in PostHog\'s answers', async () => {
    const rename = (body: unknown): unknown => {
      const source = body as { prefix?: string; latest_error?: string | null; schemas?: { name: string; latest_error: string | null; table: { name: string } | null }[] };
      for (const schema of source.schemas ?? []) {
        if (schema.table) schema.table.name = `${schema.table.name}${HOSTILE.title}${HOSTILE.workflow}`;
        schema.latest_error = HOSTILE_ALL;
      }
      source.latest_error = HOSTILE_ALL;
      return source;
    };
    const rules: ProxyRule[] = [
      { method: 'GET', path: DETAIL, rewrite: rename },
      // An undeclared source whose prefix is hostile (status --all and plan show remote sources by prefix).
      { method: 'GET', path: LIST, rewrite: (body) => ({ ...(body as object), results: (body as { results: { prefix: string }[] }).results.map((s) => ({ ...s, prefix: `${s.prefix}${HOSTILE.clear}${HOSTILE.fence}` })) }) },
    ];
    await world.write(yaml(SHOP_SOURCE));
    expect((await runChecked(world, ['apply', '--yes'], { POSTHOG_HOST: emulator.url, POSTHOG_PROJECT_ID: String(emulator.projectId) })).exitCode).toBe(0);
    await throughProxy(emulator, rules, async (env) => {
      const shown = await runChecked(world, ['status', '--all'], env);
      // The rewrite reached the output (escaped): the checks below are about these strings.
      expect(shown.stdout).toContain('\\u001b]0;pwned');
      for (const argv of [['status'], ['status', '--all'], ['status', '--format', 'json'], ['plan'], ['plan', '--format', 'github']]) {
        const r = await runChecked(world, argv, env);
        expectTerminalSafe(r.stdout + r.stderr, argv.join(' '), { annotations: argv.includes('github') });
      }
      const md = await runChecked(world, ['plan', '--format', 'markdown'], env);
      expectMarkdownSafe(md.stdout, 'plan markdown');
    });
  });
});
