import { describe, expect, it } from 'vitest';
import { lintRenderers } from '../../src/render/lint.js';
import { ERROR, run, TEXT, WARNING } from './lint-fixtures.js';

const text = lintRenderers.text;
const OFF = { color: false };
const ANSI = /\u001b\[[0-9;]*m/;

describe('lint text renderer', () => {
  it('prints file:line:col, severity, code, message and a code frame with a caret under the span', () => {
    expect(text(run([WARNING, ERROR]), OFF)).toBe(
      [
        'warehouse.yaml:5:13 warning prefix-without-separator Prefix "shop" does not end in "_".',
        '  4 |     type: Postgres',
        '> 5 |     prefix: shop',
        '    |             ^^^^',
        '  6 |     config:',
        '',
        'warehouse.yaml:7:17 error plaintext-secret config.password is a secret but holds a literal value.',
        '  6 |     config:',
        // The literal secret itself is hidden, so the frame cannot leak it into a CI log.
        '> 7 |       password: *******',
        '    |                 ^^^^^^^',
        '  8 | ',
        '',
        '✖ 1 error, 1 warning in 1 file.',
        '',
      ].join('\n'),
    );
  });

  it('says so when there are no problems, counting files', () => {
    expect(text(run([], [{ file: 'b.yaml', text: 'version: 1\n', diagnostics: [] }]), OFF)).toBe('✔ 2 files checked: no problems.\n');
  });

  it('uses a warning summary when there are only warnings', () => {
    expect(text(run([WARNING]), OFF).split('\n').at(-2)).toBe('⚠ 0 errors, 1 warning in 1 file.');
  });

  it('frames the first line without a line before it, and widens the gutter for two-digit lines', () => {
    const first = { ...ERROR, code: 'invalid-value' as const, line: 1, column: 1, end_line: 1, end_column: 8 };
    expect(text(run([first]), OFF).split('\n').slice(1, 4)).toEqual(['> 1 | version: 1', '    | ^^^^^^^', '  2 | sources:']);
    const long = Array.from({ length: 12 }, (_, i) => `line${i + 1}`).join('\n');
    const at10 = { ...ERROR, code: 'invalid-value' as const, line: 10, column: 2, end_line: 10, end_column: 3 };
    expect(text({ files: [{ file: 'w.yaml', text: long, diagnostics: [at10] }], version: '1' }, OFF).split('\n').slice(1, 5)).toEqual([
      '   9 | line9',
      '> 10 | line10',
      '     |  ^',
      '  11 | line11',
    ]);
  });

  it('draws at least one caret for an empty span, and to the end of the line for a multi-line span', () => {
    const empty = { ...ERROR, end_column: ERROR.column };
    expect(text(run([empty]), OFF).split('\n')[3]).toBe('    |                 ^');
    const multi = { ...ERROR, line: 5, column: 13, end_line: 7, end_column: 1 };
    expect(text(run([multi]), OFF).split('\n')[3]).toBe('    |             ^^^^');
  });

  it('produces no ANSI codes with colour off, and colours with it on', () => {
    expect(text(run([ERROR, WARNING]), OFF)).not.toMatch(ANSI);
    const coloured = text(run([ERROR, WARNING]), { color: true });
    expect(coloured).toMatch(ANSI);
    expect(coloured).toContain('\u001b[31merror\u001b[39m');
    expect(coloured).toContain('\u001b[33mwarning\u001b[39m');
    // Stripping the codes gives the plain rendering back.
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, '')).toBe(text(run([ERROR, WARNING]), OFF));
  });

  it('keeps the source text in the frame exactly (TEXT is what the fixture says)', () => {
    expect(TEXT.split('\n')[6]).toBe('      password: hunter2');
  });
});
