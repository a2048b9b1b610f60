import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { lint } from '../lint/lint-helpers.js';
import { runCli } from '../helpers/run-cli.js';
import { bundledCatalog } from '../../src/wizard/bundled.js';

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
