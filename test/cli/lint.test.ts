import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { POSTGRES_SOURCE } from '../lint/lint-helpers.js';

let cwd: string;
const write = (name: string, text: string) => writeFileSync(join(cwd, name), text);
const WARNING_ONLY = POSTGRES_SOURCE.replace('prefix: shop_', 'prefix: shop');
const BROKEN = POSTGRES_SOURCE.replace('password: ${SHOP_DB_PASSWORD}', 'password: hunter2');

beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'dwctl-lint-'));
});

describe('dwctl lint: exit codes', () => {
  it('0 for a clean file, with the summary on stdout and nothing on stderr', async () => {
    write('warehouse.yaml', POSTGRES_SOURCE);
    const r = await runCli(['lint'], { cwd });
    expect(r).toEqual({ exitCode: 0, stdout: '✔ 1 file checked: no problems.\n', stderr: '' });
  });

  it('0 when there are only warnings', async () => {
    write('warehouse.yaml', WARNING_ONLY);
    const r = await runCli(['lint'], { cwd });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('warehouse.yaml:5:13 warning prefix-without-separator');
  });

  it('1 when there are errors', async () => {
    write('warehouse.yaml', BROKEN);
    const r = await runCli(['lint', 'warehouse.yaml'], { cwd });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('warehouse.yaml:11:17 error plaintext-secret');
    expect(r.stdout).not.toContain('hunter2 ');
    expect(r.stderr).toBe('');
  });

  it('3 for a missing file, with the error on stderr', async () => {
    const r = await runCli(['lint', 'nope.yaml'], { cwd });
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('nope.yaml');
  });

  it('3 when the path is a directory', async () => {
    const r = await runCli(['lint', '--format', 'json', '.'], { cwd });
    expect(r.exitCode).toBe(3);
    expect(JSON.parse(r.stdout)).toHaveProperty('error.code');
  });

  it('3 when the default ./warehouse.yaml does not exist', async () => {
    expect((await runCli(['lint'], { cwd })).exitCode).toBe(3);
  });

  it('3 for a bad --format value and for an unknown flag (usage errors, on stderr)', async () => {
    write('warehouse.yaml', POSTGRES_SOURCE);
    const badFormat = await runCli(['lint', '--format', 'xml'], { cwd });
    expect(badFormat.exitCode).toBe(3);
    expect(badFormat.stdout).toBe('');
    expect(badFormat.stderr.length).toBeGreaterThan(0);
    const unknown = await runCli(['lint', '--frobnicate'], { cwd });
    expect(unknown.exitCode).toBe(3);
    expect(unknown.stdout).toBe('');
  });

  it('-f names the file when no argument is given', async () => {
    write('prod.yaml', BROKEN);
    expect((await runCli(['lint', '-f', 'prod.yaml'], { cwd })).exitCode).toBe(1);
  });
});

describe('dwctl lint: several files', () => {
  it('lints each, reports all, and fails if any has errors', async () => {
    write('a.yaml', POSTGRES_SOURCE);
    write('b.yaml', BROKEN);
    write('c.yaml', WARNING_ONLY);
    const r = await runCli(['lint', 'a.yaml', 'b.yaml', 'c.yaml'], { cwd });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('b.yaml:11:17 error plaintext-secret');
    expect(r.stdout).toContain('c.yaml:5:13 warning prefix-without-separator');
    expect(r.stdout).toContain('1 error, 1 warning in 3 files.');
  });

  it('exits 0 when every file is clean', async () => {
    write('a.yaml', POSTGRES_SOURCE);
    write('c.yaml', WARNING_ONLY);
    expect((await runCli(['lint', 'a.yaml', 'c.yaml'], { cwd })).exitCode).toBe(0);
  });

  it('exits 3 if one of the files is missing', async () => {
    write('a.yaml', POSTGRES_SOURCE);
    expect((await runCli(['lint', 'a.yaml', 'missing.yaml'], { cwd })).exitCode).toBe(3);
  });
});

describe('dwctl lint --format json', () => {
  it('prints exactly one JSON document on stdout, with positions', async () => {
    write('warehouse.yaml', BROKEN);
    const r = await runCli(['lint', '--format', 'json'], { cwd });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout);
    expect(doc).toEqual({
      format_version: 1,
      valid: false,
      error_count: 1,
      warning_count: 0,
      diagnostics: [
        {
          code: 'plaintext-secret',
          severity: 'error',
          message: expect.any(String),
          file: 'warehouse.yaml',
          line: 11,
          column: 17,
          end_line: 11,
          end_column: 24,
          path: '/sources/shop_db/config/password',
        },
      ],
    });
  });

  it('is one JSON document for several files', async () => {
    write('a.yaml', BROKEN);
    write('b.yaml', WARNING_ONLY);
    const r = await runCli(['lint', '--format', 'json', 'a.yaml', 'b.yaml'], { cwd });
    const doc = JSON.parse(r.stdout) as { error_count: number; warning_count: number; diagnostics: { file: string }[] };
    expect([doc.error_count, doc.warning_count]).toEqual([1, 1]);
    expect(doc.diagnostics.map((d) => d.file)).toEqual(['a.yaml', 'b.yaml']);
  });

  it('prints {"error": {code, message}} on stdout for a missing file, exit 3, message on stderr', async () => {
    const r = await runCli(['lint', '--format', 'json', 'nope.yaml'], { cwd });
    expect(r.exitCode).toBe(3);
    const doc = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    expect(Object.keys(doc)).toEqual(['error']);
    expect(doc.error.code).toBe('file-not-found');
    expect(doc.error.message).toContain('nope.yaml');
    expect(r.stderr).toContain('nope.yaml');
  });

  it('sarif is also one JSON document on stdout, even on failure', async () => {
    write('warehouse.yaml', BROKEN);
    const ok = await runCli(['lint', '--format', 'sarif'], { cwd });
    expect(JSON.parse(ok.stdout)).toMatchObject({ version: '2.1.0' });
    const missing = await runCli(['lint', '--format', 'sarif', 'nope.yaml'], { cwd });
    expect(missing.exitCode).toBe(3);
    expect(JSON.parse(missing.stdout)).toHaveProperty('error.code');
  });
});

describe('dwctl lint: github format and colour', () => {
  it('prints annotations then the text report', async () => {
    write('warehouse.yaml', BROKEN);
    const r = await runCli(['lint', '--format', 'github'], { cwd });
    expect(r.exitCode).toBe(1);
    expect(r.stdout.split('\n')[0]).toMatch(/^::error file=warehouse\.yaml,line=11,endLine=11,col=17,endColumn=24,title=dwctl plaintext-secret::/);
  });

  it('colours only when asked and NO_COLOR is unset; never with NO_COLOR or --no-color', async () => {
    write('warehouse.yaml', BROKEN);
    const ansi = /\u001b\[/;
    expect((await runCli(['lint', '--color'], { cwd, env: { NO_COLOR: undefined } })).stdout).toMatch(ansi);
    expect((await runCli(['lint', '--color'], { cwd, env: { NO_COLOR: '1' } })).stdout).not.toMatch(ansi);
    expect((await runCli(['lint', '--no-color'], { cwd, env: { NO_COLOR: undefined } })).stdout).not.toMatch(ansi);
    // not a TTY (PassThrough streams): no colour by default
    expect((await runCli(['lint'], { cwd, env: { NO_COLOR: undefined } })).stdout).not.toMatch(ansi);
  });
});

describe('dwctl lint: a file with several problems (scenario)', () => {
  const MULTI = `version: 1
sources:
  shop_db:
    type: Postgres
    prefix: shop
    config:
      hots: db.example.com
      port: 5432
      database: shop
      user: reader
      password: hunter2
    tables:
      orders: { sync: incremental }
`;

  it('reports each problem once, in file order, with a code frame, then the summary', async () => {
    write('warehouse.yaml', MULTI);
    const r = await runCli(['lint'], { cwd });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe('');
    const headers = r.stdout.split('\n').filter((l) => l.startsWith('warehouse.yaml:')).map((l) => l.split(' ').slice(0, 3).join(' '));
    expect(headers).toEqual([
      'warehouse.yaml:5:13 warning prefix-without-separator',
      'warehouse.yaml:6:5 error missing-property',
      'warehouse.yaml:7:7 error unknown-property',
      'warehouse.yaml:11:17 error plaintext-secret',
      'warehouse.yaml:13:23 error incremental-field-required',
    ]);
    // the caret sits under the offending text
    expect(r.stdout).toContain(['> 7 |       hots: db.example.com', '    |       ^^^^'].join('\n'));
    expect(r.stdout).toContain(['> 13 |       orders: { sync: incremental }', '     |                       ^^^^^^^^^^^'].join('\n'));
    expect(r.stdout.endsWith('\n✖ 4 errors, 1 warning in 1 file.\n')).toBe(true);
  });
});
