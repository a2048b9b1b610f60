import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type Emulator } from '../emulator/server.js';
import { runCli } from '../helpers/run-cli.js';
import { REPO_ROOT } from '../helpers/spawn-cli.js';

describe('dwctl schema against a live PostHog (the emulator)', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  const env = () => ({ POSTHOG_HOST: emulator.url, POSTHOG_PROJECT_ID: String(emulator.projectId), POSTHOG_PERSONAL_API_KEY: 'phx_test_key' });

  it('fetches the wizard and regenerates a schema identical to the committed one', async () => {
    const result = await runCli(['schema'], { cwd: REPO_ROOT, env: env() });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe(await readFile(join(REPO_ROOT, 'schemas', 'warehouse.schema.json'), 'utf8'));
    expect(emulator.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET /api/projects/${emulator.projectId}/external_data_sources/wizard/`]);
  });

  it('cannot run without an API key (exit 3), and says which variable to set', async () => {
    const result = await runCli(['schema'], { cwd: REPO_ROOT, env: { POSTHOG_HOST: emulator.url, POSTHOG_PROJECT_ID: '1' } });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('POSTHOG_PERSONAL_API_KEY');
  });

  it('a rejected key is exit 3 and the key never appears in the output', async () => {
    const result = await runCli(['schema'], { cwd: REPO_ROOT, env: { ...env(), POSTHOG_PERSONAL_API_KEY: 'phx_wrong_key_1234567890' } });
    expect(result.exitCode).toBe(3);
    expect(result.stdout + result.stderr).not.toContain('phx_wrong_key_1234567890');
  });
});

describe('a project id PostHog does not know', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(() => emulator.close());

  it('is "could not run" (exit 3) with a hint about the project id', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const cwd = await mkdtemp(join(tmpdir(), 'dwctl-project-'));
    await writeFile(join(cwd, 'warehouse.yaml'), 'version: 1\nsources: {}\n');
    const result = await runCli(['status', '--format', 'json'], { cwd, env: { POSTHOG_HOST: emulator.url, POSTHOG_PROJECT_ID: '999', POSTHOG_PERSONAL_API_KEY: 'phx_test_key' } });
    expect(result.exitCode).toBe(3);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'posthog-project-not-found' } });
    expect(result.stderr).toContain('project id');
  });
});
