import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compileStandalone, linearErrorCollection } from '../../scripts/compile-validator.js';
import { compileValidator } from '../../src/schema/ajv.js';
import { REPO_ROOT } from '../helpers/spawn-cli.js';

/**
 * The built CLI validates with code ajv generated at build time (scripts/compile-validator.ts), rewritten to
 * gather errors in linear time; tests and `--schema FILE` compile at run time. Both must report the same errors.
 */
const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', 'warehouse.schema.json'), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'dwctl-validator-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function precompiled(): Promise<(data: unknown) => boolean & { errors?: unknown }> {
  const file = join(dir, 'validator.mjs');
  // The generated code requires ajv's runtime pieces: resolve them from the repository.
  const header = `import { createRequire } from 'node:module'; const require = createRequire(${JSON.stringify(join(REPO_ROOT, 'package.json'))});\n`;
  writeFileSync(file, header + compileStandalone(schema));
  return ((await import(pathToFileURL(file).href)) as { bundledValidator: () => never }).bundledValidator();
}

const manyInvalidSources = { version: 1, sources: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`s${i}`, i % 2 ? 1 : { type: 'Postgres', prefix: 'p_', config: {} }])) };
const manyInvalidTables = {
  version: 1,
  sources: {
    shop: {
      type: 'Postgres',
      prefix: 'shop_',
      config: { host: 'h', port: 5432, database: 'd', user: 'u', password: '${P}', schema: 'public' },
      tables: Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`t${i}`, i % 3 === 0 ? 1 : i % 3 === 1 ? { sync: 'sometimes' } : { sync: 'incremental', bogus: true }])),
    },
  },
};

describe('the precompiled validator', () => {
  it.each([
    ['an example', readFileSync(join(REPO_ROOT, 'examples', 'postgres-cdc', 'warehouse.yaml'), 'utf8')],
  ])('accepts what the run-time validator accepts: %s', async (_, text) => {
    const { parse } = await import('yaml');
    const validate = await precompiled();
    expect(validate(parse(text))).toBe(true);
    expect(compileValidator(schema)(parse(text))).toBe(true);
  });

  it.each([
    ['many invalid sources', manyInvalidSources],
    ['many invalid tables', manyInvalidTables],
  ])('reports exactly the errors of the run-time validator, in order: %s', async (_, data) => {
    const validate = await precompiled();
    const reference = compileValidator(schema);
    expect(validate(data)).toBe(false);
    expect(reference(data)).toBe(false);
    const strip = (errors: unknown) => JSON.parse(JSON.stringify(errors));
    expect(strip((validate as unknown as { errors: unknown[] }).errors).length).toBeGreaterThan(300);
    expect(strip((validate as unknown as { errors: unknown }).errors)).toEqual(strip(reference.errors));
  });

  it('gathers referenced errors by appending, never by copying the list (concat)', () => {
    const generated = compileStandalone(schema);
    expect(generated).not.toContain('.concat(');
    expect(generated).toContain('vErrors.push(refError)');
  });

  it('refuses generated code it does not know how to rewrite', () => {
    expect(linearErrorCollection('vErrors = vErrors === null ? validate1.errors : vErrors.concat(validate1.errors);')).toBe(
      'if (vErrors === null) vErrors = validate1.errors; else for (const refError of validate1.errors) vErrors.push(refError);',
    );
    expect(() => linearErrorCollection('vErrors = [].concat(other);')).toThrow(/linearErrorCollection/);
  });
});
