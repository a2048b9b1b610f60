import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/diagnostics/codes.js';
import { lintRenderers } from '../../src/render/lint.js';
import { ERROR, run, WARNING } from './lint-fixtures.js';

interface Sarif {
  $schema: string;
  version: string;
  runs: {
    tool: { driver: { name: string; version: string; rules: { id: string; shortDescription: { text: string }; help: { text: string }; defaultConfiguration: { level: string } }[] } };
    results: {
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations: { physicalLocation: { artifactLocation: { uri: string }; region: Record<string, number> }; logicalLocations: { fullyQualifiedName: string }[] }[];
    }[];
  }[];
}

const INFO = { ...WARNING, code: 'unmanaged-source' as const, severity: 'info' as const, line: 2, column: 1, end_line: 2, end_column: 8 };
const sarif = (...d: (typeof ERROR)[]): Sarif => JSON.parse(lintRenderers.sarif(run(d), { color: false })) as Sarif;

describe('lint sarif renderer', () => {
  it('is a SARIF 2.1.0 log with one run whose driver is dwctl', () => {
    const log = sarif(ERROR, WARNING);
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    expect(log.runs).toHaveLength(1);
    expect(log.runs[0]!.tool.driver).toMatchObject({ name: 'dwctl', version: '1.2.3' });
  });

  it('lists each used code once as a rule, sorted, with its title, level and where its docs are (no invented URL)', () => {
    const rules = sarif(ERROR, WARNING, { ...ERROR, line: 6 }).runs[0]!.tool.driver.rules;
    expect(rules.map((r) => r.id)).toEqual(['plaintext-secret', 'prefix-without-separator']);
    expect(rules[0]).toEqual({
      id: 'plaintext-secret',
      shortDescription: { text: CODES['plaintext-secret'].title },
      help: { text: 'See docs/diagnostics.md#plaintext-secret (in the dwctl package).' },
      defaultConfiguration: { level: 'error' },
    });
  });

  it('gives each result a ruleId and a matching ruleIndex, a SARIF level, and a 1-based region', () => {
    const run0 = sarif(ERROR, WARNING, INFO).runs[0]!;
    const rules = run0.tool.driver.rules.map((r) => r.id);
    for (const result of run0.results) {
      expect(rules[result.ruleIndex]).toBe(result.ruleId);
      expect(['error', 'warning', 'note']).toContain(result.level);
      expect(result.message.text.length).toBeGreaterThan(0);
      const region = result.locations[0]!.physicalLocation.region;
      for (const key of ['startLine', 'startColumn', 'endLine', 'endColumn']) expect(region[key]).toBeGreaterThanOrEqual(1);
    }
    expect(run0.results.map((r) => [r.ruleId, r.level])).toEqual([
      ['plaintext-secret', 'error'],
      ['prefix-without-separator', 'warning'],
      ['unmanaged-source', 'note'],
    ]);
    expect(run0.results[0]!.locations[0]).toEqual({
      physicalLocation: { artifactLocation: { uri: 'warehouse.yaml' }, region: { startLine: 7, startColumn: 17, endLine: 7, endColumn: 24 } },
      logicalLocations: [{ fullyQualifiedName: '/sources/shop_db/config/password', kind: 'member' }],
    });
  });

  it('uses forward slashes in artifact URIs', () => {
    const windows = { ...ERROR, file: 'envs\\prod\\warehouse.yaml' };
    const log = JSON.parse(lintRenderers.sarif({ files: [{ file: windows.file, text: '', diagnostics: [windows] }], version: '1' }, { color: false })) as Sarif;
    expect(log.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe('envs/prod/warehouse.yaml');
  });

  it('has an empty results array (and no rules) when clean', () => {
    const run0 = sarif().runs[0]!;
    expect(run0.results).toEqual([]);
    expect(run0.tool.driver.rules).toEqual([]);
  });
});
