import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, spawnCli } from '../helpers/spawn-cli.js';
import { POSTGRES_SOURCE } from '../lint/lint-helpers.js';

/** The built binary (npm test builds first). Two spawns: the process wiring, not the logic, is under test. */
describe('bin/dwctl.js lint', () => {
  it('the build exists', () => {
    expect(existsSync(join(REPO_ROOT, 'dist', 'cli.js')), 'run `npm run build` first').toBe(true);
  });

  it('exits 0 on a clean file and 1 on errors, without colour under NO_COLOR', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dwctl-bin-'));
    writeFileSync(join(cwd, 'ok.yaml'), POSTGRES_SOURCE);
    writeFileSync(join(cwd, 'bad.yaml'), POSTGRES_SOURCE.replace('password: ${SHOP_DB_PASSWORD}', 'password: hunter2'));
    const ok = spawnCli(['lint', 'ok.yaml'], { cwd });
    expect(ok).toEqual({ exitCode: 0, stdout: '✔ 1 file checked: no problems.\n', stderr: '' });
    const bad = spawnCli(['lint', '--format', 'json', 'bad.yaml', 'ok.yaml'], { cwd });
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toBe('');
    expect(bad.stdout).not.toMatch(/\u001b\[/);
    expect(JSON.parse(bad.stdout)).toMatchObject({ valid: false, error_count: 1, diagnostics: [{ code: 'plaintext-secret', file: 'bad.yaml', line: 11, column: 17 }] });
  });

  it('exits 3 with a JSON error document for a missing file', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dwctl-bin-'));
    const r = spawnCli(['lint', '--format', 'json', 'missing.yaml'], { cwd });
    expect(r.exitCode).toBe(3);
    expect(JSON.parse(r.stdout)).toEqual({ error: { code: 'file-not-found', message: expect.stringContaining('missing.yaml') } });
  });
});
