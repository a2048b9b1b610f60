import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODES, docsAnchor, type DiagnosticCode } from '../src/diagnostics/codes.js';
import { RULES } from '../src/lint/rules/index.js';
import { REPO_ROOT } from './helpers/spawn-cli.js';

const doc = readFileSync(join(REPO_ROOT, 'docs', 'diagnostics.md'), 'utf8');
const headings = [...doc.matchAll(/^## (.+)$/gm)].map((m) => m[1]!.trim());

/** The body of one `## code` section. */
function section(code: string): string {
  const start = doc.indexOf(`\n## ${code}\n`);
  const next = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, next === -1 ? undefined : next);
}

describe('docs/diagnostics.md', () => {
  it('has one "## <code>" heading per code in CODES, no missing, no extra, no duplicates', () => {
    expect([...headings].sort()).toEqual(Object.keys(CODES).sort());
    expect(new Set(headings).size).toBe(headings.length);
  });

  it.each(Object.keys(CODES) as DiagnosticCode[])('%s: states its severity and owner, has an example and a fix', (code) => {
    const body = section(code);
    expect(body).toContain(`**${CODES[code].severity}**`);
    expect(body).toContain(`*${CODES[code].owner}*`);
    expect(body).toMatch(/```/);
    expect(body).toContain('**Fix:**');
  });

  it('every code a lint rule may emit is registered (and so documented)', () => {
    for (const rule of RULES) for (const code of rule.codes) expect(Object.keys(CODES), rule.id).toContain(code);
  });

  it('docs anchors are the code itself', () => {
    expect(docsAnchor('yaml-syntax')).toBe('docs/diagnostics.md#yaml-syntax');
  });
});
