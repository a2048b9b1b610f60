import { describe, expect, it } from 'vitest';
import { CODES, type DiagnosticCode } from '../../src/diagnostics/codes.js';
import { fixtureCases, lint, readFixture, where } from './lint-helpers.js';

/**
 * publint-style fixtures: test/fixtures/lint/<case>/warehouse.yaml is linted and its diagnostics are
 * compared with expected.json ([{code, line, column}], in lint's order). Codes and positions, not prose.
 */
const cases = fixtureCases();

describe('lint fixtures', () => {
  it.each(cases)('%s', (name) => {
    const { text, expected } = readFixture(name);
    expect(lint(text).map(where)).toEqual(expected);
  });

  it('has clean fixtures that produce no diagnostics at all', () => {
    const clean = cases.filter((c) => c.startsWith('clean-'));
    expect(clean.length).toBeGreaterThanOrEqual(3);
    for (const name of clean) expect(readFixture(name).expected, name).toEqual([]);
  });

  it('covers every code lint owns (unreleased-source is covered in unreleased.test.ts: no snapshot type is unreleased)', () => {
    const covered = new Set(cases.flatMap((c) => readFixture(c).expected.map((e) => e.code)));
    const lintCodes = (Object.keys(CODES) as DiagnosticCode[]).filter((c) => CODES[c].owner === 'lint' && c !== 'unreleased-source');
    expect(lintCodes.filter((c) => !covered.has(c))).toEqual([]);
  });

  it('expected files only use registered codes and 1-based positions', () => {
    for (const name of cases) {
      for (const e of readFixture(name).expected) {
        expect(Object.keys(CODES), name).toContain(e.code);
        expect(e.line, name).toBeGreaterThanOrEqual(1);
        expect(e.column, name).toBeGreaterThanOrEqual(1);
      }
    }
  });
});
