import { describe, expect, it } from 'vitest';
import { lintRenderers } from '../../src/render/lint.js';
import { ERROR, run, WARNING } from './lint-fixtures.js';

describe('lint json renderer', () => {
  it('prints the contract document, sorted, pretty, with a trailing newline', () => {
    const out = lintRenderers.json(run([ERROR, WARNING]), { color: true });
    expect(out).toBe(
      JSON.stringify(
        { format_version: 1, valid: false, error_count: 1, warning_count: 1, diagnostics: [WARNING, ERROR] },
        null,
        2,
      ) + '\n',
    );
  });

  it('each diagnostic has exactly the contract keys, in order', () => {
    const doc = JSON.parse(lintRenderers.json(run([ERROR]), { color: false })) as { diagnostics: object[] };
    expect(Object.keys(doc.diagnostics[0]!)).toEqual(['code', 'severity', 'message', 'file', 'line', 'column', 'end_line', 'end_column', 'path']);
  });

  it('is valid with only warnings, and diagnostics is an empty array (never null) when clean', () => {
    expect(JSON.parse(lintRenderers.json(run([WARNING]), { color: false }))).toMatchObject({ valid: true, error_count: 0, warning_count: 1 });
    expect(lintRenderers.json(run([]), { color: false })).toBe('{\n  "format_version": 1,\n  "valid": true,\n  "error_count": 0,\n  "warning_count": 0,\n  "diagnostics": []\n}\n');
  });

  it('merges the diagnostics of several files', () => {
    const other = { ...ERROR, file: 'a.yaml' };
    const doc = JSON.parse(lintRenderers.json(run([ERROR], [{ file: 'a.yaml', text: '', diagnostics: [other] }]), { color: false })) as {
      error_count: number;
      diagnostics: { file: string }[];
    };
    expect(doc.error_count).toBe(2);
    expect(doc.diagnostics.map((d) => d.file)).toEqual(['a.yaml', 'warehouse.yaml']);
  });

  it('never contains ANSI codes, even with colour on', () => {
    expect(lintRenderers.json(run([ERROR, WARNING]), { color: true })).not.toMatch(/\u001b\[/);
  });
});
