import { describe, expect, it } from 'vitest';
import { annotation, escapeData, escapeProperty } from '../../src/render/github.js';
import { lintRenderers } from '../../src/render/lint.js';
import { ERROR, run, WARNING } from './lint-fixtures.js';

describe('github annotations', () => {
  it('escapes data as actions/toolkit does: %, CR and LF', () => {
    expect(escapeData('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext: a, b');
  });

  it('escapes properties also for ":" and ","', () => {
    expect(escapeProperty('C:\\dir,x%\n')).toBe('C%3A\\dir%2Cx%25%0A');
  });

  it('escapes "%" first, so an escape sequence in the input is not decoded', () => {
    expect(escapeData('%0A')).toBe('%250A');
  });

  it('renders one workflow command per diagnostic, then the plain text report', () => {
    const out = lintRenderers.github(run([WARNING, ERROR]), { color: true });
    const lines = out.split('\n');
    expect(lines[0]).toBe(
      '::warning file=warehouse.yaml,line=5,endLine=5,col=13,endColumn=17,title=dwctl prefix-without-separator::Prefix "shop" does not end in "_".',
    );
    expect(lines[1]).toBe(
      '::error file=warehouse.yaml,line=7,endLine=7,col=17,endColumn=24,title=dwctl plaintext-secret::config.password is a secret but holds a literal value.',
    );
    expect(out).toBe(`${lines[0]}\n${lines[1]}\n${lintRenderers.text(run([WARNING, ERROR]), { color: false })}`);
    expect(out).not.toMatch(/\u001b\[/);
  });

  it('escapes the file name and the message of an annotation', () => {
    const odd = { ...ERROR, file: 'dir,a:b/warehouse%.yaml', message: 'line one\nline two: 50%, done\r' };
    expect(lintRenderers.github({ files: [{ file: odd.file, text: '', diagnostics: [odd] }], version: '1' }, { color: false }).split('\n')[0]).toBe(
      '::error file=dir%2Ca%3Ab/warehouse%25.yaml,line=7,endLine=7,col=17,endColumn=24,title=dwctl plaintext-secret::line one%0Aline two: 50%25, done%0D',
    );
  });

  it('uses notice for info diagnostics', () => {
    expect(annotation({ ...ERROR, severity: 'info', title: 't' })).toMatch(/^::notice /);
  });

  it('prints only the summary when clean', () => {
    expect(lintRenderers.github(run([]), { color: false })).toBe('✔ 1 file checked: no problems.\n');
  });
});
