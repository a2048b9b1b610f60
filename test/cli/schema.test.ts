import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cdcSourceTypes } from '../../src/sources/index.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { generateSchema } from '../../src/schema/generate.js';
import type { WizardResponse } from '../../src/wizard/types.js';
import { REPO_ROOT } from '../helpers/spawn-cli.js';

const SNAPSHOT = join(REPO_ROOT, 'schemas', 'wizard.snapshot.json');
const COMMITTED = join(REPO_ROOT, 'schemas', 'warehouse.schema.json');

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'dwctl-schema-'));
});

describe('the committed schema', () => {
  it('is exactly what the snapshot generates (regenerate with `dwctl schema --wizard schemas/wizard.snapshot.json --out schemas/warehouse.schema.json`)', () => {
    const wizard = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as WizardResponse;
    const generated = JSON.stringify(generateSchema(wizard, cdcSourceTypes()), null, 2) + '\n';
    expect(readFileSync(COMMITTED, 'utf8')).toBe(generated);
  });
});

/** Loaded lazily so the committed-schema check above does not depend on the CLI loading. */
const runCli: typeof import('../helpers/run-cli.js').runCli = async (...args) => (await import('../helpers/run-cli.js')).runCli(...args);

describe('dwctl schema --wizard', () => {
  it('prints the committed schema for the snapshot', async () => {
    const r = await runCli(['schema', '--wizard', SNAPSHOT], { cwd });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(readFileSync(COMMITTED, 'utf8'));
  });

  it('--out writes the file and reports on stderr only', async () => {
    const r = await runCli(['schema', '--wizard', SNAPSHOT, '--out', 'out.json'], { cwd });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('out.json');
    expect(readFileSync(join(cwd, 'out.json'), 'utf8')).toBe(readFileSync(COMMITTED, 'utf8'));
  });

  it('exits 3 for a wizard file that is not JSON, not an object, or has an entry without fields', async () => {
    writeFileSync(join(cwd, 'bad.json'), '{ not json');
    writeFileSync(join(cwd, 'list.json'), '[]');
    writeFileSync(join(cwd, 'nofields.json'), '{"Postgres": {"name": "Postgres"}}');
    for (const file of ['bad.json', 'list.json', 'nofields.json', 'missing.json']) {
      const r = await runCli(['schema', '--wizard', file], { cwd });
      expect(r.exitCode, file).toBe(3);
      expect(r.stderr, file).toContain(file);
      // stdout is the result channel: on failure it holds only the JSON error document
      expect(JSON.parse(r.stdout), file).toHaveProperty('error.code');
    }
  });
});
