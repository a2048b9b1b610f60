import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { lint } from '../lint/lint-helpers.js';
import { runCli } from '../helpers/run-cli.js';
import { bundledCatalog } from '../../src/sources/catalog.js';

let cwd: string;
const read = (name = 'warehouse.yaml') => readFileSync(join(cwd, name), 'utf8');

beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'dwctl-init-'));
});

describe('dwctl init', () => {
  it('writes a starter file with the schema modeline that lints clean', async () => {
    const r = await runCli(['init'], { cwd });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('');
    const text = read();
    expect(text.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=\S+warehouse\.schema\.json$/);
    expect(lint(text)).toEqual([]);
  });

  it('refuses to overwrite an existing file (exit 3) unless --force', async () => {
    writeFileSync(join(cwd, 'warehouse.yaml'), '# mine\n');
    expect((await runCli(['init'], { cwd })).exitCode).toBe(3);
    expect(read()).toBe('# mine\n');
    expect((await runCli(['init', '--force'], { cwd })).exitCode).toBe(0);
    expect(read()).not.toBe('# mine\n');
  });

  it('--type adds a skeleton and keeps the comments already in the file', async () => {
    writeFileSync(
      join(cwd, 'warehouse.yaml'),
      `# keep me: top comment
version: 1
sources:
  # keep me: about billing
  billing:
    type: Stripe
    prefix: billing_ # keep me: trailing
    config:
      auth_method:
        selection: api_key
        stripe_secret_key: \${STRIPE_SECRET_KEY}
    tables: {}
`,
    );
    const r = await runCli(['init', '--type', 'Postgres', '--name', 'shop_db', '--prefix', 'shop_'], { cwd });
    expect(r.exitCode).toBe(0);
    const text = read();
    expect(text).toContain('# keep me: top comment');
    expect(text).toContain('# keep me: about billing');
    expect(text).toContain('# keep me: trailing');
    // the new source comes after the existing one, with a comment saying what to do next
    expect(text).toMatch(/\n {4}tables: \{\}\n {2}shop_db:\n {4}# Postgres: .*dwctl discover shop_db.*\n {4}type: Postgres\n {4}prefix: shop_\n/);
    expect(text).toContain('password: ${SHOP_DB_PASSWORD}');
    expect(lint(text)).toEqual([]);
  });

  it('creates the file with the starter when adding to a file that does not exist', async () => {
    const r = await runCli(['init', '--type', 'Chargebee', '-f', 'new.yaml'], { cwd });
    expect(r.exitCode).toBe(0);
    const text = read('new.yaml');
    expect(text.startsWith('# yaml-language-server:')).toBe(true);
    expect(text).toContain('chargebee:');
    expect(lint(text)).toEqual([]);
  });

  it('rejects a duplicate source name with exit 3 and leaves the file as it was', async () => {
    await runCli(['init', '--type', 'Postgres', '--name', 'shop_db'], { cwd });
    const before = read();
    const r = await runCli(['init', '--type', 'MySQL', '--name', 'shop_db'], { cwd });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('shop_db');
    expect(read()).toBe(before);
  });

  it('rejects a bad name or prefix with exit 3', async () => {
    expect((await runCli(['init', '--type', 'Postgres', '--name', 'Shop-DB'], { cwd })).exitCode).toBe(3);
    expect((await runCli(['init', '--type', 'Postgres', '--name', 'shop', '--prefix', '9x'], { cwd })).exitCode).toBe(3);
    expect(existsSync(join(cwd, 'warehouse.yaml'))).toBe(false);
  });

  it('--list-types lists every type by category on stdout', async () => {
    const r = await runCli(['init', '--list-types'], { cwd });
    expect(r.exitCode).toBe(0);
    for (const info of bundledCatalog().values()) {
      expect(r.stdout).toMatch(new RegExp(`^  ${info.name}\\b`, 'm'));
      expect(r.stdout).toMatch(new RegExp(`^${info.category.replace(/[&]/g, '\\$&')}:$`, 'm'));
    }
    expect(r.stdout).toMatch(/^ {2}Hubspot .*OAuth/m);
    expect(r.stdout).toMatch(/^ {2}Stripe .*webhooks/m);
    expect(r.stdout).toMatch(/^ {2}Postgres .*CDC/m);
    expect(existsSync(join(cwd, 'warehouse.yaml'))).toBe(false);
  });

  it('an ambiguous --type exits 3 and lists the matching database types', async () => {
    const r = await runCli(['init', '--type', 'database'], { cwd });
    expect(r.exitCode).toBe(3);
    const databases = [...bundledCatalog().values()].filter((t) => t.category === 'Databases').map((t) => t.name);
    expect(databases.length).toBeGreaterThan(3);
    for (const name of databases) expect(r.stderr).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    expect(r.stderr).not.toMatch(/^ {2}Stripe\b/m);
    expect(existsSync(join(cwd, 'warehouse.yaml'))).toBe(false);
  });

  it('matches --type case-insensitively', async () => {
    expect((await runCli(['init', '--type', 'postgres'], { cwd })).exitCode).toBe(0);
    expect(read()).toContain('type: Postgres');
  });

  it('every type skeleton lints clean, except the OAuth warning for OAuth-only types', async () => {
    const actual: Record<string, string[]> = {};
    const expected: Record<string, string[]> = {};
    for (const info of bundledCatalog().values()) {
      const file = `${info.name}.yaml`;
      const r = await runCli(['init', '--type', info.name, '-f', file], { cwd });
      expect(r.exitCode, info.name).toBe(0);
      actual[info.name] = lint(read(file)).map((d) => d.code);
      expected[info.name] = info.oauthOnly ? ['oauth-source'] : [];
    }
    expect(actual).toEqual(expected);
  });

  it('the Hubspot skeleton gives exactly the oauth-source warning, and says so on stderr', async () => {
    const r = await runCli(['init', '--type', 'Hubspot'], { cwd });
    expect(r.stderr).toContain('OAuth');
    expect(lint(read()).map((d) => [d.code, d.severity])).toEqual([['oauth-source', 'warning']]);
  });
});

describe('dwctl init: prefix and schema defaults', () => {
  it('never defaults to a prefix that repeats the type: Stripe named stripe gets "" (tables stripe_<table>)', async () => {
    const r = await runCli(['init', '--type', 'Stripe'], { cwd });
    expect(r.exitCode).toBe(0);
    expect(read()).toMatch(/\n {2}stripe:\n(?: {4}#.*\n)? {4}type: Stripe\n {4}prefix: ""\n/);
    expect(r.stderr).toBe('Added source "stripe" (Stripe, prefix "": tables will be named like stripe_<table>) to warehouse.yaml.\n');
    expect(lint(read())).toEqual([]);
  });

  it('drops the type word from a name such as postgres_analytics, and keeps the name otherwise', async () => {
    await runCli(['init', '--type', 'Postgres', '--name', 'postgres_analytics'], { cwd });
    await runCli(['init', '--type', 'Postgres', '--name', 'shop_db'], { cwd });
    expect(read()).toContain('    prefix: analytics_\n');
    expect(read()).toContain('    prefix: shop_db_\n');
    expect(lint(read())).toEqual([]);
  });

  it('asks for --prefix when the default is taken by another source of the type (exit 3, file unchanged)', async () => {
    await runCli(['init', '--type', 'Stripe'], { cwd });
    const r = await runCli(['init', '--type', 'Stripe', '--name', 'stripe_eu'], { cwd });
    expect(r.exitCode).toBe(0);
    expect(read()).toContain('    prefix: eu_\n');
    const again = await runCli(['init', '--type', 'Stripe', '--name', 'other'], { cwd });
    expect(again.exitCode).toBe(0);
    const before = read();
    const clash = await runCli(['init', '--type', 'Stripe', '--name', 'stripe_'], { cwd });
    expect(clash.exitCode).toBe(3);
    expect(clash.stderr).toContain('a Stripe source with prefix "" already exists: choose another with --prefix');
    expect(read()).toBe(before);
  });

  it('warns (but obeys) when --prefix repeats the type or lacks the trailing "_"', async () => {
    const repeated = await runCli(['init', '--type', 'Stripe', '--prefix', 'stripe_'], { cwd });
    expect(repeated.exitCode).toBe(0);
    expect(repeated.stderr).toContain('warning: prefix "stripe_" repeats the source type: tables will be named like stripe_stripe_<table> (see prefix-repeats-type).');
    const glued = await runCli(['init', '--type', 'Postgres', '--name', 'shop', '--prefix', 'shop'], { cwd });
    expect(glued.stderr).toContain('warning: prefix "shop" does not end in "_": tables will be named like shoppostgres_<table> (see prefix-without-separator).');
    expect(lint(read()).map((d) => d.code)).toEqual(['prefix-repeats-type', 'prefix-without-separator']);
  });

  it('writes schema: public for Postgres, so PostHog names tables without the schema', async () => {
    await runCli(['init', '--type', 'Postgres', '--name', 'shop_db'], { cwd });
    expect(read()).toMatch(/\n {6}password: \$\{SHOP_DB_PASSWORD\}\n {6}schema: public\n/);
  });

  it('does not write advice placeholders as a schema (MySQL: "Leave blank to include all databases")', async () => {
    await runCli(['init', '--type', 'MySQL', '--name', 'app_db'], { cwd });
    expect(read()).not.toContain('schema:');
  });
});
