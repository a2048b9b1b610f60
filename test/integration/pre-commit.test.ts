// .pre-commit-hooks.yaml under the real pre-commit framework (https://pre-commit.com; Debian package
// `pre-commit`, installed by .ci/run): a user's repository lists this repository in .pre-commit-config.yaml,
// runs `pre-commit install`, and `git commit` is refused for an invalid warehouse.yaml and accepted for a
// valid one.
//
// pre-commit installs a hook repository from git at a revision, so the test snapshots this work tree
// (tracked and untracked-but-not-ignored files, i.e. what a commit of it would hold) into a temporary git
// repository and points the user's config at that commit. For `language: node`, pre-commit then does what it
// does for every user: `npm install` in its clone (devDependencies included; the `prepare` script builds
// dist/), `npm pack`, and `npm install -g` of the tarball into an isolated environment. That needs the npm
// registry (or npm's cache) and nothing else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BIN, REPO_ROOT } from '../helpers/spawn-cli.js';

const preCommitVersion = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' });
const HAVE_PRE_COMMIT = preCommitVersion.status === 0;
if (!HAVE_PRE_COMMIT && process.env.CI) {
  throw new Error('pre-commit is not installed (apt-get install pre-commit); CI must run this test for real');
}

/** The build step pre-commit's install must run so that the packed hook contains dist/cli.js. */
const PREPARE_SCRIPT = 'node scripts/build.mjs';
/**
 * pre-commit reads the tarball name from `npm pack`'s stdout; npm >= 7 prints a lifecycle script's banner
 * ("> dwctl@x prepare") on that same stdout unless scripts run in the background, which breaks the install
 * (pre-commit/pre-commit#3259, #3460). A project .npmrc with this line keeps the banner out.
 */
const NPMRC_LINE = 'foreground-scripts=false';

const INVALID = `version: 1
sources:
  shop_db:
    type: Postgres
    prefix: shop_
    config:
      host: db.example.com
      port: 5432
      database: shop
      user: reader
      password: \${SHOP_DB_PASSWORD}
    tables:
      orders:
        sync: incremental
        incremental_field: updated_at
        frequncy: 1hour
`;
const VALID = INVALID.replace('frequncy', 'sync_frequency');

let work: string;
let env: NodeJS.ProcessEnv;
let hookRepo: string;
let hookRev: string;
const patchedForSnapshot: string[] = [];

function run(command: string, args: string[], cwd: string, timeout = 60_000): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout });
}
function ok(command: string, args: string[], cwd: string, timeout?: number): string {
  const r = run(command, args, cwd, timeout);
  if (r.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}\n${r.error ?? ''}`);
  }
  return r.stdout;
}

/** Copy what a commit of this work tree would hold into `dest` and commit it there. */
function snapshotWorkTree(dest: string): string {
  const listed = ok('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], REPO_ROOT);
  mkdirSync(dest, { recursive: true });
  for (const file of new Set(listed.split('\0').filter(Boolean))) {
    const from = join(REPO_ROOT, file);
    // Deleted in the work tree, or not a regular file (e.g. a node_modules symlink, which `node_modules/` in
    // .gitignore does not match): not part of the package.
    if (!existsSync(from) || !lstatSync(from).isFile()) continue;
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    copyFileSync(from, join(dest, file));
  }
  // The node hook needs both of these in the repository; the test below checks that they are there, and
  // this keeps the framework test meaningful while they are not.
  const pkgPath = join(dest, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { scripts?: Record<string, string> };
  if (!pkg.scripts?.prepare && !pkg.scripts?.prepack) {
    pkg.scripts = { ...pkg.scripts, prepare: PREPARE_SCRIPT };
    writeFileSync(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`);
    patchedForSnapshot.push('package.json scripts.prepare');
  }
  const npmrcPath = join(dest, '.npmrc');
  const npmrc = existsSync(npmrcPath) ? readFileSync(npmrcPath, 'utf8') : '';
  if (!npmrc.split(/\r?\n/).some((l) => l.trim() === NPMRC_LINE)) {
    writeFileSync(npmrcPath, `${npmrc}${npmrc && !npmrc.endsWith('\n') ? '\n' : ''}${NPMRC_LINE}\n`);
    patchedForSnapshot.push(`.npmrc ${NPMRC_LINE}`);
  }
  ok('git', ['init', '-q'], dest);
  ok('git', ['add', '-A'], dest);
  ok('git', ['commit', '-q', '--no-verify', '-m', 'snapshot of the dwctl work tree'], dest);
  return ok('git', ['rev-parse', 'HEAD'], dest).trim();
}

/** A fresh user repository with the given hook from the snapshot, installed as a git pre-commit hook. */
function userRepo(name: string, hookId: string): string {
  const repo = join(work, name);
  mkdirSync(repo);
  ok('git', ['init', '-q'], repo);
  writeFileSync(
    join(repo, '.pre-commit-config.yaml'),
    `repos:\n  - repo: ${hookRepo}\n    rev: ${hookRev}\n    hooks:\n      - id: ${hookId}\n`,
  );
  ok('pre-commit', ['install'], repo);
  return repo;
}

function commit(repo: string, files: Record<string, string>, message: string) {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, file)), { recursive: true });
    writeFileSync(join(repo, file), content);
  }
  ok('git', ['add', '-A'], repo);
  const r = run('git', ['commit', '-m', message], repo, 180_000);
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

function commitCount(repo: string): number {
  const r = run('git', ['rev-list', '--count', 'HEAD'], repo);
  return r.status === 0 ? Number(r.stdout.trim()) : 0;
}

describe.skipIf(!HAVE_PRE_COMMIT)(`pre-commit hooks (${preCommitVersion.stdout?.trim() || 'pre-commit missing'})`, () => {
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'dwctl-pre-commit-'));
    const gitconfig = join(work, 'gitconfig');
    writeFileSync(gitconfig, '[user]\n\tname = dwctl test\n\temail = test@dwctl.invalid\n[init]\n\tdefaultBranch = main\n');
    env = { ...process.env, PRE_COMMIT_HOME: join(work, 'pre-commit-home'), GIT_CONFIG_GLOBAL: gitconfig, GIT_CONFIG_NOSYSTEM: '1', NO_COLOR: '1' };
    // When the suite runs under `npm test`, npm's lifecycle variables describe *this* package; they must not
    // leak into the npm that pre-commit runs in its own clone.
    for (const key of Object.keys(env)) {
      if (/^npm_(lifecycle_|package_|command$|execpath$|node_execpath$|config_local_prefix$)/i.test(key) || key === 'INIT_CWD') delete env[key];
    }
    delete env.PRE_COMMIT; // set by pre-commit itself when the suite runs inside a hook
    hookRepo = join(work, 'dwctl');
    hookRev = snapshotWorkTree(hookRepo);
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('publishes dwctl-lint (node) and dwctl-lint-system with the warehouse.yaml file pattern', () => {
    const manifest = readFileSync(join(REPO_ROOT, '.pre-commit-hooks.yaml'), 'utf8');
    for (const id of ['dwctl-lint', 'dwctl-lint-system']) expect(manifest).toMatch(new RegExp(`^- id: ${id}$`, 'm'));
    expect(manifest).toMatch(/^ {2}entry: dwctl lint$/m);
    expect(manifest).toMatch(/^ {2}language: node$/m);
    expect(manifest).toMatch(/^ {2}files: \(\^\|\/\)warehouse\\\.ya\?ml\$$/m);
  });

  it('ships what the node hook needs: a prepare script that builds dist/, and background npm scripts', () => {
    // If this fails, the framework test below still passes only because the snapshot was patched.
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
    // `prepare` (also runs for git dependencies and after `npm install` in a checkout) or `prepack` (only when
    // packing) both work with pre-commit's install; the snapshot below is patched only when neither is there.
    expect(pkg.scripts?.prepare ?? pkg.scripts?.prepack, 'package.json needs "prepare": "node scripts/build.mjs"').toBeTruthy();
    const npmrc = existsSync(join(REPO_ROOT, '.npmrc')) ? readFileSync(join(REPO_ROOT, '.npmrc'), 'utf8') : '';
    expect(npmrc.split(/\r?\n/).map((l) => l.trim()), `.npmrc needs the line ${NPMRC_LINE}`).toContain(NPMRC_LINE);
    expect(patchedForSnapshot).toEqual([]);
  });

  it(
    'dwctl-lint (language: node): refuses a commit with an invalid warehouse.yaml and accepts a valid one',
    () => {
      const repo = userRepo('user-node', 'dwctl-lint');
      // Install the hook environment up front, so a failure here reads as an install failure.
      const started = Date.now();
      ok('pre-commit', ['install-hooks'], repo, 240_000);
      const installSeconds = (Date.now() - started) / 1000;
      console.log(`pre-commit installed the dwctl-lint node environment in ${installSeconds.toFixed(1)} s`);

      const refused = commit(repo, { 'envs/prod/warehouse.yaml': INVALID, 'README.md': '# data\n' }, 'add warehouse');
      expect(refused.status, refused.output).not.toBe(0);
      expect(refused.output).toMatch(/dwctl lint\.+Failed/);
      expect(refused.output).toContain('envs/prod/warehouse.yaml:16:9');
      expect(refused.output).toContain('unknown-property');
      expect(commitCount(repo)).toBe(0);

      const accepted = commit(
        repo,
        {
          'envs/prod/warehouse.yaml': VALID,
          'envs/staging/warehouse.yml': VALID,
          // Not a warehouse file: the hook must not look at it.
          'other/config.yaml': 'version: 1\nsources: {}\nnot_a_warehouse_key: true\n',
        },
        'add warehouse',
      );
      expect(accepted.status, accepted.output).toBe(0);
      expect(accepted.output).toMatch(/dwctl lint\.+Passed/);
      expect(commitCount(repo)).toBe(1);

      // The hook checks the files named like warehouse.yaml / .yml, and only those.
      const files = run('pre-commit', ['run', 'dwctl-lint', '--all-files', '--verbose'], repo);
      expect(files.status, files.stdout + files.stderr).toBe(0);
      // pre-commit may split the files over parallel invocations: add up what each one reports.
      const checked = [...files.stdout.matchAll(/(\d+) files? checked/g)].reduce((n, m) => n + Number(m[1]), 0);
      expect(checked, files.stdout).toBe(2);
    },
    300_000,
  );

  it('dwctl-lint-system (language: system): uses the dwctl on PATH', () => {
    const repo = userRepo('user-system', 'dwctl-lint-system');
    const bin = join(work, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'dwctl'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(join(bin, 'dwctl'), 0o755);
    const saved = env.PATH;
    env.PATH = `${bin}:${saved ?? ''}`;
    try {
      const refused = commit(repo, { 'warehouse.yaml': INVALID }, 'add warehouse');
      expect(refused.status, refused.output).not.toBe(0);
      expect(refused.output).toContain('warehouse.yaml:16:9');
      expect(refused.output).toContain('unknown-property');
      expect(commitCount(repo)).toBe(0);

      const accepted = commit(repo, { 'warehouse.yaml': VALID }, 'add warehouse');
      expect(accepted.status, accepted.output).toBe(0);
      expect(accepted.output).toMatch(/dwctl lint \(dwctl from PATH\)\.+Passed/);
      expect(commitCount(repo)).toBe(1);
    } finally {
      env.PATH = saved;
    }
  });
});
