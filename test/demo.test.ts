// `npm run demo` is the first thing the README asks a new user to run: it must work, show every step of the
// workflow in the order the README describes, finish quickly, and never print a secret.
// `npm run demo` is `npm run build && node --import tsx examples/demo/run.ts`; `npm test` builds first, so
// this test runs the second half (building only if dist/ is missing, e.g. when vitest is run on its own).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/spawn-cli.js';

const RUN_TS = readFileSync(join(REPO_ROOT, 'examples', 'demo', 'run.ts'), 'utf8');
const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const PACKAGE = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** The values run.ts gives the demo's secrets (each `NAME: 'value'` whose NAME says it is a secret). */
const SECRETS = [...RUN_TS.matchAll(/^\s*(POSTHOG_PERSONAL_API_KEY|[A-Z_]*(?:PASSWORD|SECRET|KEY)[A-Z_]*): '([^']+)'/gm)].map((m) => m[2]!);

interface DemoRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}
let demo: DemoRun;

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'dist', 'cli.js'))) {
    const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  }
  const command = PACKAGE.scripts.demo!.replace(/^npm run build && /, '').split(' ');
  expect(command.slice(0, 1)).toEqual(['node']);
  const started = performance.now();
  demo = await new Promise<DemoRun>((resolve, reject) => {
    const child = spawn(process.execPath, command.slice(1), {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: performance.now() - started }),
    );
  });
}, 120_000);

describe('npm run demo', () => {
  it('is `npm run build` then the demo script', () => {
    expect(PACKAGE.scripts.demo).toBe('npm run build && node --import tsx examples/demo/run.ts');
    expect(README).toContain('npm ci && npm run demo');
  });

  it('exits 0 and says the demo is complete', () => {
    expect(demo.code, demo.stdout + demo.stderr).toBe(0);
    expect(demo.stdout).toContain('Demo complete');
    expect(demo.stderr).not.toMatch(/The demo failed/);
  });

  it('runs each step the README lists, as a `$ dwctl …` line, in that order', () => {
    // "then runs `lint`, `discover`, `plan`, `apply --yes --wait`, `status` and `plan --detailed-exitcode`"
    const sentence = README.slice(README.indexOf('then runs `lint`'), README.indexOf('examples/demo/warehouse.yaml'));
    const described = [...sentence.matchAll(/`([a-z][^`]*)`/g)].map((m) => m[1]!.split(' '));
    expect(described.map((words) => words[0])).toEqual(['lint', 'discover', 'plan', 'apply', 'status', 'plan']);
    const shown = [...demo.stdout.matchAll(/^\$ dwctl (.+?)(?:   #.*)?$/gm)].map((m) => m[1]!.split(' '));
    expect(shown).toHaveLength(described.length);
    described.forEach((words, i) => {
      expect(shown[i]![0], `step ${i + 1}`).toBe(words[0]);
      for (const word of words.slice(1)) expect(shown[i], `step ${i + 1}: dwctl ${shown[i]!.join(' ')}`).toContain(word);
    });
    // Lines appear in that order in the output, each followed by its own output before the next.
    const positions = shown.map((words) => demo.stdout.indexOf(`$ dwctl ${words.join(' ')}`));
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(positions.indexOf(-1)).toBe(-1);
  });

  it('shows what each step is for: discovery, the plan, the applied changes, the status, no changes at the end', () => {
    const after = (step: string) => demo.stdout.slice(demo.stdout.indexOf(`$ dwctl ${step}`));
    expect(after('discover')).toMatch(/tables discovered/);
    expect(after('plan --out')).toMatch(/\+ create source/);
    expect(after('apply')).toMatch(/Apply complete: \d+ applied, 0 failed/);
    expect(after('status')).toMatch(/Completed/);
    expect(after('plan --detailed-exitcode')).toMatch(/No changes/);
  });

  it('after the first sync, the plan shows rows per month from the synced row counts (countries: 8 rows × 4 full refreshes)', () => {
    const last = demo.stdout.slice(demo.stdout.indexOf('$ dwctl plan --detailed-exitcode'));
    expect(last).toMatch(/shop_postgres_countries +about 32 rows a month \(8 rows × 4 full refreshes\)/);
    expect(last).toMatch(/Total: about [\d,]+ rows a month after apply \(now about [\d,]+\)/);
  });

  it('never prints a demo secret, except masked', () => {
    expect(SECRETS).toEqual(expect.arrayContaining(['phx_test_key', 'demo-shop-db-password', 'rk_test_demo_key', 'whsec_demo_signing_secret']));
    for (const secret of SECRETS) {
      expect(demo.stdout, secret).not.toContain(secret);
      expect(demo.stderr, secret).not.toContain(secret);
    }
    // The secret fields are in the plan, masked.
    expect(demo.stdout).toMatch(/config\.password = "\(sensitive\)"/);
    expect(demo.stdout).toMatch(/stripe_secret_key = "\(sensitive\)"/);
    expect(demo.stdout).toMatch(/signing_secret = "\(sensitive\)"/);
  });
});
