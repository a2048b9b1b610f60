// The README's install path before the first npm release, for real: `npm pack` this checkout, install the
// tarball as a devDependency of a fresh project, run `npx dwctl --version`; then the README's `repo: local`
// pre-commit hook (taken verbatim from the README) under the real pre-commit framework refuses a commit with
// an invalid warehouse.yaml and accepts a valid one.
//
// Installing the tarball fetches dwctl's dependencies from the npm registry (or npm's cache), as it does for
// a user. The pack runs with --ignore-scripts because `npm test` has just built dist/ (what `npm ci` — the
// README's first step — does through the `prepare` script); a rebuild here would race the other test files
// that run the built binary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../helpers/spawn-cli.js';
import { BILLING_STRIPE } from '../helpers/yaml-fixtures.js';

const PACKAGE = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const TARBALL = `${PACKAGE.name}-${PACKAGE.version}.tgz`;
const HAVE_PRE_COMMIT = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' }).status === 0;
if (!HAVE_PRE_COMMIT && process.env.CI) throw new Error('pre-commit is not installed (apt-get install pre-commit); CI must run this test for real');

const INVALID = `version: 1
sources:
  billing:
${BILLING_STRIPE}    tables:
      Charge: { sync: append, incremental_field: created, frequncy: 1hour }
`;
const VALID = INVALID.replace('frequncy', 'sync_frequency');

let work: string;
let project: string;
let env: NodeJS.ProcessEnv;

function run(command: string, args: string[], cwd: string, timeout = 120_000): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout });
}
function ok(command: string, args: string[], cwd: string, timeout?: number): string {
  const r = run(command, args, cwd, timeout);
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}\n${r.error ?? ''}`);
  return r.stdout;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'dwctl-install-'));
  const gitconfig = join(work, 'gitconfig');
  writeFileSync(gitconfig, '[user]\n\tname = dwctl test\n\temail = test@dwctl.invalid\n[init]\n\tdefaultBranch = main\n');
  env = { ...process.env, PRE_COMMIT_HOME: join(work, 'pre-commit-home'), GIT_CONFIG_GLOBAL: gitconfig, GIT_CONFIG_NOSYSTEM: '1', NO_COLOR: '1' };
  // Under `npm test`, npm's lifecycle variables describe this package; the user's npm must not see them.
  for (const key of Object.keys(env)) {
    if (/^npm_(lifecycle_|package_|command$|execpath$|node_execpath$|config_local_prefix$)/i.test(key) || key === 'INIT_CWD') delete env[key];
  }
  delete env.PRE_COMMIT;
  expect(existsSync(join(REPO_ROOT, 'dist', 'cli.js')), 'run `npm run build` first').toBe(true);
  ok('npm', ['pack', '--ignore-scripts', '--pack-destination', work], REPO_ROOT);
  project = join(work, 'project');
  mkdirSync(join(project, 'vendor'), { recursive: true });
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'data-team', version: '1.0.0', private: true }, null, 2)}\n`);
  // The README: copy the tarball to vendor/, `npm install -D ./vendor/<tarball>`.
  writeFileSync(join(project, 'vendor', TARBALL), readFileSync(join(work, TARBALL)));
  ok('npm', ['install', '-D', `./vendor/${TARBALL}`, '--no-audit', '--no-fund', '--prefer-offline'], project, 240_000);
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('installing the npm pack tarball (README "Install")', () => {
  it('records the tarball as a devDependency and `npx dwctl --version` prints the packed version', () => {
    const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
    expect(pkg.devDependencies?.[PACKAGE.name]).toBe(`file:vendor/${TARBALL}`);
    const version = run('npx', ['--no-install', 'dwctl', '--version'], project);
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(PACKAGE.version);
  });

  it('ships the schema the editor modeline points at, and lints offline from the installed package', () => {
    expect(existsSync(join(project, 'node_modules', 'dwctl', 'schemas', 'warehouse.schema.json'))).toBe(true);
    writeFileSync(join(project, 'warehouse.yaml'), INVALID);
    const lint = run('npx', ['--no-install', 'dwctl', 'lint'], project);
    expect(lint.status).toBe(1);
    expect(lint.stdout).toContain('warehouse.yaml:11:');
    expect(lint.stdout).toContain('unknown-property');
  });
});

describe.skipIf(!HAVE_PRE_COMMIT)('the README\'s repo: local pre-commit hook, with the tarball-installed dwctl', () => {
  it('refuses a commit with an invalid warehouse.yaml and accepts a valid one', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const snippet = /^```yaml\n(repos:[\s\S]*?)^```$/m.exec(readme)![1]!;
    expect((parse(snippet) as { repos: { repo: string }[] }).repos[0]!.repo).toBe('local');
    ok('git', ['init', '-q'], project);
    writeFileSync(join(project, '.gitignore'), 'node_modules/\n');
    writeFileSync(join(project, '.pre-commit-config.yaml'), snippet);
    ok('pre-commit', ['install'], project);

    const commit = (files: Record<string, string>) => {
      for (const [file, content] of Object.entries(files)) {
        mkdirSync(dirname(join(project, file)), { recursive: true });
        writeFileSync(join(project, file), content);
      }
      ok('git', ['add', '-A'], project);
      const r = run('git', ['commit', '-m', 'warehouse'], project);
      return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
    };
    const refused = commit({ 'envs/prod/warehouse.yaml': INVALID });
    expect(refused.status, refused.output).not.toBe(0);
    expect(refused.output).toMatch(/dwctl lint\.+Failed/);
    expect(refused.output).toContain('envs/prod/warehouse.yaml:11:');
    expect(refused.output).toContain('unknown-property');

    const accepted = commit({ 'envs/prod/warehouse.yaml': VALID, 'warehouse.yaml': VALID, 'other.yaml': 'not: [a warehouse\n' });
    expect(accepted.status, accepted.output).toBe(0);
    expect(accepted.output).toMatch(/dwctl lint\.+Passed/);
  });
});
