import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { MAX_NESTING_DEPTH } from '../../src/config/parse.js';
import { MAX_INPUT_BYTES } from '../../src/cli/files.js';
import { PositionTree } from '../../src/config/positions.js';
import { runCli } from '../helpers/run-cli.js';
import { lint, POSTGRES_SOURCE } from './lint-helpers.js';

/**
 * Hostile or broken input files (issue 11): refused at once with one line in dwctl's words and exit 3, or
 * reported as one positioned diagnostic; never a hang, an engine error text or a huge code frame.
 */
const ENGINE_TEXTS = /Maximum call stack|RangeError|TypeError|YAMLParseError|at .*\.js:\d+|parseAllDocuments|Unresolved tag/;

function workdir(): string {
  return mkdtempSync(join(tmpdir(), 'dwctl-hostile-'));
}

async function lintFileAt(dir: string, file: string, format = 'text'): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const result = await runCli(['lint', '--format', format, file], { cwd: dir });
  expect(result.stdout + result.stderr).not.toMatch(ENGINE_TEXTS);
  return result;
}

describe('files that are not readable text are refused before parsing (exit 3)', () => {
  it('a named pipe is refused at once, without waiting for a writer', async (context) => {
    const dir = workdir();
    try {
      execFileSync('mkfifo', [join(dir, 'warehouse.yaml')]);
    } catch {
      context.skip(); // no mkfifo on this system
    }
    const result = await lintFileAt(dir, 'warehouse.yaml');
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('warehouse.yaml: is a named pipe; dwctl reads only regular files');
  });

  it('/dev/urandom (a character device that never ends) is refused at once', async (context) => {
    if (process.platform === 'win32') context.skip();
    const result = await lintFileAt(workdir(), '/dev/urandom');
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('/dev/urandom: is a character device; dwctl reads only regular files');
  });

  it('a symlink to a device is refused like the device', async (context) => {
    if (process.platform === 'win32') context.skip();
    const dir = workdir();
    symlinkSync('/dev/zero', join(dir, 'warehouse.yaml'));
    const result = await lintFileAt(dir, 'warehouse.yaml');
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain('is a character device');
  });

  it(`a file over ${MAX_INPUT_BYTES / 1024 / 1024} MiB is refused without being read (and --format json says so in JSON)`, async () => {
    const dir = workdir();
    writeFileSync(join(dir, 'warehouse.yaml'), `version: 1\n# ${'x'.repeat(MAX_INPUT_BYTES)}\n`);
    const result = await lintFileAt(dir, 'warehouse.yaml', 'json');
    expect(result.exitCode).toBe(3);
    expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'file-unreadable', message: expect.stringMatching(/larger than 5 MiB, the most dwctl reads/) } });
  });

  it.each([
    ['UTF-16 with a byte-order mark', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('version: 1\n', 'utf16le')]), 'is UTF-16 encoded; save it as UTF-8'],
    ['UTF-16 without a byte-order mark', Buffer.from('version: 1\nsources: {}\n', 'utf16le'), 'looks UTF-16 encoded (no byte-order mark); save it as UTF-8'],
    ['UTF-32', Buffer.from([0xff, 0xfe, 0, 0, 0x76, 0, 0, 0]), 'is UTF-32 encoded; save it as UTF-8'],
    ['invalid UTF-8', Buffer.from('version: 1\nsources:\n  a\xff: 1\n', 'latin1'), 'is not valid UTF-8 (first bad byte at line 3, column 4); save it as UTF-8'],
    ['a binary file', Buffer.from('version: 1\nsources:\n  data: \u0000\u0001\u0002 raw bytes follow\n', 'latin1'), 'contains a NUL byte at line 3, column 9; it is not a text file'],
  ])('%s', async (_name, bytes, message) => {
    const dir = workdir();
    writeFileSync(join(dir, 'warehouse.yaml'), bytes);
    const result = await lintFileAt(dir, 'warehouse.yaml');
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain(`warehouse.yaml: ${message}`);
  });

  it('a UTF-8 byte-order mark is fine', async () => {
    const dir = workdir();
    writeFileSync(join(dir, 'warehouse.yaml'), `\uFEFF${POSTGRES_SOURCE}`);
    const result = await lintFileAt(dir, 'warehouse.yaml');
    expect(result.exitCode).toBe(0);
  });
});

describe('YAML that would exhaust the parser gets one positioned diagnostic', () => {
  it.each([
    ['10,000 nested flow sequences', `version: 1\nsources: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`, 2],
    ['10,000 nested flow mappings', `version: 1\nsources: ${'{a: '.repeat(10_000)}1${'}'.repeat(10_000)}\n`, 2],
    ['10,000 nested block sequences on one line', `version: 1\nsources:\n  ${'- '.repeat(10_000)}x\n`, 3],
    ['2,000 levels of indentation', `version: 1\n${Array.from({ length: 2_000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} x\n`, MAX_NESTING_DEPTH + 2],
  ])('%s', async (_name, text, line) => {
    const dir = workdir();
    writeFileSync(join(dir, 'warehouse.yaml'), text);
    const result = await lintFileAt(dir, 'warehouse.yaml', 'json');
    expect(result.exitCode).toBe(1);
    const report = JSON.parse(result.stdout) as { diagnostics: { code: string; line: number; message: string }[] };
    expect(report.diagnostics).toEqual([
      expect.objectContaining({ code: 'yaml-syntax', line, message: expect.stringContaining(`nests more than ${MAX_NESTING_DEPTH} levels deep`) }),
    ]);
  });

  it('an alias bomb is refused in our words', () => {
    const bomb = ['version: 1', 'a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`), 'sources: *i'].join('\n');
    const diagnostics = lint(bomb);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'yaml-syntax', line: 1 });
    expect(diagnostics[0]!.message).toMatch(/^The YAML could not be read: its aliases \(\*name\) expand to more than 1000 copies/);
    expect(diagnostics[0]!.message).not.toMatch(/Excessive alias count|resource exhaustion/);
  });
});

/**
 * A PR can put a mapping of 100,000 keys (about 1 MB, well under the size limit) in warehouse.yaml. Finding a
 * repeated key's first occurrence, or the key a diagnostic points at, must not scan the mapping again each
 * time: that was quadratic and took minutes on such a file (a hang in CI). Lint is synchronous, so a test
 * timeout would not interrupt it; the tests count the key names read instead: a few per key, where the quadratic code read millions.
 */
describe('mappings with very many keys are read in linear time', () => {
  const KEYS = 2_000;
  const sourceWithConfig = (lines: string) => `version: 1\nsources:\n  shop:\n    type: Postgres\n    prefix: shop_\n    config:\n${lines}`;

  function lintCountingNameReads(text: string): { diagnostics: ReturnType<typeof lint>; nameReads: number } {
    const nameOf = vi.spyOn(PositionTree.prototype, 'nameOf');
    try {
      const diagnostics = lint(text);
      return { diagnostics, nameReads: nameOf.mock.calls.length };
    } finally {
      nameOf.mockRestore();
    }
  }

  it.each([
    ['the fast path', ''],
    ['the yaml path (an anchor sends the file there)', 'defaults: &d {}\n'],
  ])(`${KEYS.toLocaleString('en')} keys each written twice, through %s: each repeat reported, naming its first line`, (_, prefix) => {
    const keys = Array.from({ length: KEYS }, (_, i) => `      k${i}: v\n`).join('');
    const { diagnostics, nameReads } = lintCountingNameReads(prefix + sourceWithConfig(keys + keys));
    const repeats = diagnostics.filter((d) => d.code === 'duplicate-key');
    const firstLine = prefix ? 8 : 7;
    expect(repeats.map((d) => [d.line, d.message])).toEqual(
      Array.from({ length: KEYS }, (_, i) => [firstLine + KEYS + i, `The key "k${i}" appears more than once in this mapping (first on line ${firstLine + i})`]),
    );
    expect(nameReads).toBeLessThan(10 * KEYS);
  });

  it(`${KEYS.toLocaleString('en')} unknown keys in one mapping: each reported at its own key, each name read a few times at most`, () => {
    const { diagnostics, nameReads } = lintCountingNameReads(sourceWithConfig(Array.from({ length: KEYS }, (_, i) => `      k${i}: v\n`).join('')));
    const unknown = diagnostics.filter((d) => d.code === 'unknown-property');
    expect(unknown.map((d) => d.line)).toEqual(Array.from({ length: KEYS }, (_, i) => 7 + i));
    expect(nameReads).toBeLessThan(10 * KEYS);
  });
});

/**
 * More items than a JavaScript call takes arguments (about 120,000 here): spreading them into one call
 * (`push(...items)`) threw "Maximum call stack size exceeded", which dwctl printed as a bug with a stack trace.
 */
describe('collections larger than a call takes arguments', () => {
  const ITEMS = 150_000;

  it(`a flow sequence of ${ITEMS.toLocaleString('en')} items, through the yaml path: one diagnostic, no crash`, () => {
    const text = `version: &v 1\nsources: [${Array(ITEMS).fill('a').join(', ')}]\n`;
    expect(lint(text)).toEqual([expect.objectContaining({ code: 'invalid-value', line: 2, column: 10 })]);
  });

  it(`a sequence of ${ITEMS.toLocaleString('en')} wrong items: each reported at its item, no crash`, () => {
    const text = `${POSTGRES_SOURCE}        primary_key: [${Array(ITEMS).fill('1').join(', ')}]\n`;
    const lines = text.split('\n');
    const wrong = lint(text).filter((d) => d.path.includes('/primary_key/'));
    expect(wrong).toHaveLength(ITEMS);
    // The last item: the `1` before the closing bracket of the file's last line.
    expect(wrong.at(-1)).toMatchObject({ line: lines.length - 1, column: lines.at(-2)!.length - 1 });
  });
});

describe('messages in dwctl words', () => {
  it('a repeated key is reported at the repeat, naming the first occurrence', () => {
    const text = POSTGRES_SOURCE.replace('    prefix: shop_\n', '    prefix: shop_\n    type: MySQL\n');
    const diagnostics = lint(text).filter((d) => d.code === 'duplicate-key');
    expect(diagnostics).toEqual([expect.objectContaining({ line: 6, column: 5, end_column: 9, message: 'The key "type" appears more than once in this mapping (first on line 4)' })]);
  });

  it('a repeated key in a flow mapping, through the yaml path too (an anchor sends the file there)', () => {
    const text = `version: 1\ndefaults: &d {sync_frequency: 1hour}\nsources: {a: {type: Postgres, type: MySQL}}\n`;
    expect(lint(text).filter((d) => d.code === 'duplicate-key')).toEqual([
      expect.objectContaining({ line: 3, column: 31, message: 'The key "type" appears more than once in this mapping (first on line 3)' }),
    ]);
  });

  it('a second document', () => {
    const diagnostics = lint(`${POSTGRES_SOURCE}---\nversion: 1\n`);
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'yaml-syntax', line: 15, column: 1 })]);
    expect(diagnostics[0]!.message).toBe('A second YAML document starts here: a warehouse.yaml holds exactly one (remove the "---" line, or split the file)');
  });

  it.each([
    ['!!binary', 'description: !!binary aGVsbG8=', 'Binary values (!!binary) are not supported in warehouse.yaml; use a ${file:PATH} reference for binary content'],
    ['a custom tag', 'description: !vault secret/db', 'The tag !vault is not supported in warehouse.yaml; write the value without a tag'],
    ['a 1.1 timestamp tag', 'description: !!timestamp 2001-12-14', 'The tag !!timestamp is not supported in warehouse.yaml; write the value without a tag'],
  ])('%s', (_name, line, message) => {
    const text = POSTGRES_SOURCE.replace('    prefix: shop_\n', `    prefix: shop_\n    ${line}\n`);
    const diagnostics = lint(text);
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'yaml-syntax', line: 6, message })]);
  });

  it('core-schema tags are fine: !!str makes a string', () => {
    expect(lint(POSTGRES_SOURCE.replace('database: shop', 'database: !!str 123'))).toEqual([]);
  });
});

describe('a YAML syntax error is reported once, with a count of what follows from it (issue 12)', () => {
  it('an unquoted ${X} in a flow mapping: the first error, the quoting hint, and the count', () => {
    const text = `version: 1\nsources:\n${Array.from({ length: 12 }, (_, i) => `  s${i}:\n    type: Postgres\n    config: {host: h, password: \${PW_${i}}}\n`).join('')}`;
    const diagnostics = lint(text);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'yaml-syntax', line: 5 });
    expect(diagnostics[0]!.message).toMatch(/Inside \{\.\.\.\} a reference must be quoted: "\$\{NAME\}" \(and \d+ more syntax errors after it, most likely caused by this one\)$/);
  });

  it('an unclosed flow collection', () => {
    const diagnostics = lint(`version: 1\nsources:\n  a: [unclosed\n  b: 1\n  c: 2\n`);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'yaml-syntax' });
    expect(diagnostics[0]!.message).toMatch(/\(and \d+ more syntax errors? after it/);
  });

  it('a single error has no count', () => {
    const diagnostics = lint('version: 1\nsources:\n  a: "unterminated\n');
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.message).not.toMatch(/more syntax error/);
  });
});
