import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire, wrap } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/spawn-cli.js';

/**
 * `dwctl lint` starts from its own bundle (dist/lint.cjs) and a V8 code cache (bin/lint.cjs); every other
 * command from the main bundle (dist/cli.js). The two must behave identically for lint, and lint must still
 * work when the lint bundle or its cache is missing or unusable.
 */
const require = createRequire(import.meta.url);
const { BUNDLE, CACHE } = require('../../bin/lint.cjs') as { BUNDLE: string; CACHE: string };

function run(entry: string, argv: string[]) {
  const result = spawnSync(process.execPath, [entry, ...argv], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' }, encoding: 'utf8', timeout: 60_000 });
  return { exitCode: result.status, stdout: result.stdout, stderr: result.stderr };
}

const BIN = join(REPO_ROOT, 'bin', 'dwctl.js');
const MAIN_BUNDLE = join(REPO_ROOT, 'dist', 'cli.js');

const COMMAND_LINES: [string, string[]][] = [
  ['a clean example', ['lint', 'examples/postgres-cdc/warehouse.yaml']],
  ['a file with findings', ['lint', 'test/fixtures/lint/cdc-unsupported/warehouse.yaml']],
  ['JSON output', ['lint', '--format', 'json', 'test/fixtures/lint/cdc-unsupported/warehouse.yaml']],
  ['GitHub output', ['lint', '--format', 'github', 'test/fixtures/lint/cdc-unsupported/warehouse.yaml']],
  ['a missing file', ['lint', 'no-such-file.yaml']],
  ['lint --help', ['lint', '--help']],
  ['an unknown flag', ['lint', '--bogus']],
  ['an unknown flag with --format json', ['lint', '--format', 'json', '--bogus']],
];

describe('the lint bundle', () => {
  it.each(COMMAND_LINES)('answers exactly as the main bundle does: %s', (_, argv) => {
    const viaLintBundle = run(BIN, argv);
    const viaMainBundle = run(MAIN_BUNDLE, argv);
    expect(viaLintBundle).toEqual(viaMainBundle);
    expect(viaLintBundle.exitCode).not.toBeNull();
  });

  it('reads YAML beyond the fast parser (anchors) as the main bundle does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dwctl-lint-bundle-'));
    try {
      const file = join(dir, 'warehouse.yaml');
      writeFileSync(file, 'version: 1\nsources: &s {}\nextra: *s\n');
      const viaLintBundle = run(BIN, ['lint', file]);
      expect(viaLintBundle.exitCode).toBe(1);
      expect(viaLintBundle.stdout).toContain('unknown-property');
      expect(viaLintBundle).toEqual(run(MAIN_BUNDLE, ['lint', file]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has a code cache that this Node accepts', () => {
    const script = new Script(wrap(readFileSync(BUNDLE, 'utf8')), { filename: BUNDLE, cachedData: readFileSync(CACHE) });
    expect(script.cachedDataRejected).toBe(false);
    // …and that bin/lint.cjs uses: the build writes it after the bundle.
    expect(statSync(BUNDLE).mtimeMs).toBeLessThanOrEqual(statSync(CACHE).mtimeMs);
  });

  describe('without a usable bundle or cache', () => {
    const copies: string[] = [];
    afterAll(() => {
      for (const dir of copies) rmSync(dir, { recursive: true, force: true });
    });
    /** bin/ and dist/ copied, then changed: the real build is shared by the tests running in parallel. */
    function copyOfBuild(change: (dist: string) => void): string {
      const dir = mkdtempSync(join(tmpdir(), 'dwctl-lint-bundle-'));
      copies.push(dir);
      cpSync(join(REPO_ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
      cpSync(join(REPO_ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
      cpSync(join(REPO_ROOT, 'package.json'), join(dir, 'package.json'));
      change(join(dir, 'dist'));
      return join(dir, 'bin', 'dwctl.js');
    }
    const argv = ['lint', join(REPO_ROOT, 'test/fixtures/lint/cdc-unsupported/warehouse.yaml')];

    it('lints from the main bundle when the lint bundle is missing', () => {
      const bin = copyOfBuild((dist) => {
        rmSync(join(dist, 'lint.cjs'));
        rmSync(join(dist, 'lint.cjs.cache'));
      });
      const result = run(bin, argv);
      expect(result.exitCode).toBe(1);
      expect(result).toEqual(run(MAIN_BUNDLE, argv));
    });

    it('compiles as usual when the cache is missing or not a cache', () => {
      const withoutCache = copyOfBuild((dist) => rmSync(join(dist, 'lint.cjs.cache')));
      const withGarbage = copyOfBuild((dist) => writeFileSync(join(dist, 'lint.cjs.cache'), 'not a V8 code cache'));
      const expected = run(MAIN_BUNDLE, argv);
      expect(expected.exitCode).toBe(1);
      expect(run(withoutCache, argv)).toEqual(expected);
      expect(run(withGarbage, argv)).toEqual(expected);
    });

    it('lints from the main bundle when the lint bundle cannot be read', () => {
      const bin = copyOfBuild((dist) => {
        rmSync(join(dist, 'lint.cjs'));
        mkdirSync(join(dist, 'lint.cjs'));
      });
      const result = run(bin, argv);
      expect(result).toEqual(run(MAIN_BUNDLE, argv));
    });

    it('runs an edited bundle, not the code cached from the old one (V8 compares only the length)', () => {
      const bin = copyOfBuild((dist) => {
        const file = join(dist, 'lint.cjs');
        const text = readFileSync(file, 'utf8');
        expect(text).toContain('no problems');
        writeFileSync(file, text.replace('no problems', 'NO PROBLEMS'));
        // Edited after the build: newer than the cache, as any edit is.
        const cacheTime = statSync(join(dist, 'lint.cjs.cache')).mtime;
        utimesSync(file, new Date(cacheTime.getTime() + 5000), new Date(cacheTime.getTime() + 5000));
      });
      const result = run(bin, ['lint', join(REPO_ROOT, 'examples/postgres-cdc/warehouse.yaml')]);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain('NO PROBLEMS');
    });
  });
});
