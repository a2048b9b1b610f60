import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFullParser } from '../../src/config/parse.js';
import { lintText } from '../../src/lint/lint.js';
import { bundledValidator } from '../../src/schema/bundled-validator.js';
import { bundledCatalog } from '../../src/sources/catalog.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';

// lintText is synchronous: load the yaml parse path (a lazy chunk in the build) once for every test.
await loadFullParser();

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'lint');

/** Lint YAML text against the bundled schema and wizard, as `dwctl lint` does. */
export function lint(text: string, file = 'warehouse.yaml'): Diagnostic[] {
  return lintText(file, text, { validate: bundledValidator(), catalog: bundledCatalog() }).diagnostics;
}

export interface Expected {
  code: string;
  line: number;
  column: number;
}

export function fixtureCases(): string[] {
  return readdirSync(FIXTURES, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

export function readFixture(name: string): { text: string; expected: Expected[] } {
  const text = readFileSync(join(FIXTURES, name, 'warehouse.yaml'), 'utf8');
  const expected = JSON.parse(readFileSync(join(FIXTURES, name, 'expected.json'), 'utf8')) as Expected[];
  return { text, expected };
}

/** The parts of a diagnostic fixture tests assert: code and position, never prose. */
export const where = (d: Diagnostic): Expected => ({ code: d.code, line: d.line, column: d.column });

/** A minimal valid Postgres source, for tests that change one thing. */
export const POSTGRES_SOURCE = `version: 1
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
        sync: full_refresh
`;
