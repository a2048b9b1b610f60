import { describe, expect, it } from 'vitest';
import {
  annotationMessage,
  frameLine,
  htmlText,
  jsonSafe,
  markdownCell,
  markdownCode,
  markdownCodeBlock,
  markdownText,
  neutraliseWorkflowCommands,
  terminalBlock,
  terminalSafe,
  terminalText,
} from '../../src/sanitize.js';
import { HOSTILE, HOSTILE_ALL, expectTerminalSafe } from './hostile.js';

describe('the output sanitiser', () => {
  it('escapes ESC, BEL, C1, DEL, CR/LF and bidi characters visibly, in JSON notation', () => {
    expect(terminalText(HOSTILE.title)).toBe('\\u001b]0;pwned\\u0007');
    expect(terminalText(HOSTILE.c1)).toBe('\\u009b31m\\u007f');
    expect(terminalText(HOSTILE.bidi)).toBe('abc\\u202edcba');
    expect(terminalText('a\r\nb\tc')).toBe('a\\r\\nb\\tc');
    expectTerminalSafe(terminalText(HOSTILE_ALL), 'terminalText');
    // One line stays one line.
    expect(terminalText(HOSTILE_ALL)).not.toContain('\n');
  });

  it('is char-by-char, so names built from escaped parts still line up', () => {
    const a = `x${HOSTILE.title}`;
    const b = `y${HOSTILE.workflow}`;
    expect(terminalText(a + b)).toBe(terminalText(a) + terminalText(b));
  });

  it('keeps line breaks in blocks and annotation messages, and nothing else', () => {
    expect(terminalBlock('one\r\ntwo\u001b[2J')).toBe('one\ntwo\\u001b[2J');
    expect(annotationMessage('one\r\ntwo\u0007')).toBe('one\r\ntwo\\u0007');
  });

  it('escapes every string of a report, keys included, and leaves numbers and dates alone', () => {
    const date = new Date(0);
    expect(terminalSafe({ [`k${HOSTILE.title}`]: [HOSTILE.clear, 3, null, date] })).toEqual({ 'k\\u001b]0;pwned\\u0007': ['\\u001b[2J\\u001b[H', 3, null, date] });
  });

  it('breaks workflow commands at the start of a line (after whitespace too) and ##[ anywhere', () => {
    expect(neutraliseWorkflowCommands('ok\n::error::x\n  ::warning::y\na ##[error]z')).toBe('ok\n\\::error::x\n  \\::warning::y\na #\\#[error]z');
    expect(neutraliseWorkflowCommands('a :: b')).toBe('a :: b');
  });

  it('re-encodes in JSON what JSON.stringify leaves raw, parsing back to the same value', () => {
    const value = { s: HOSTILE_ALL, [HOSTILE.bidi]: '\u2028' };
    const json = jsonSafe(JSON.stringify(value));
    expectTerminalSafe(json, 'json');
    expect(JSON.parse(json)).toEqual(value);
  });

  it('makes a code fence longer than any backtick run in its content', () => {
    const block = markdownCodeBlock('before\n```\n# heading\n`````\nafter', 'diff');
    expect(block.startsWith('``````diff\n')).toBe(true);
    expect(block.endsWith('\n``````')).toBe(true);
  });

  it('shows prose with markdown and HTML escaped, and URLs and mentions as code', () => {
    const text = markdownText(`${HOSTILE.link} ${HOSTILE.image} ${HOSTILE.html} ${HOSTILE.mention} # x *b* www.evil.example`);
    // Only escaped forms are left: no `](` link, `![` image or `<tag` that markdown would act on.
    expect(text).not.toMatch(/(?<!\\)\]\(|(?<!\\)!(?<!\\)\[|(?<!\\)<(img|script)/);
    expect(text).toContain('`https://evil.example/phish)`');
    expect(text).toContain('`@octocat`');
    expect(text).toContain('`www.evil.example`');
    expect(text).toContain('\\<img src=x onerror=alert(1)\\>');
    expect(markdownText('see `x` (a | b)')).toBe('see \\`x\\` (a \\| b)');
    // A backtick from data cannot pair with the span that holds a URL and set the URL free.
    expect(markdownText('` https://evil.example')).toBe('\\` `https://evil.example`');
  });

  it('code spans and cells cannot be closed or split by data', () => {
    expect(markdownCode('a`b``c')).toBe('```a`b``c```');
    expect(markdownCode('`x')).toBe('`` `x ``');
    expect(markdownCell(HOSTILE.pipe)).toBe('`a \\| b \\| c`');
    expect(htmlText('<b>"x"&')).toBe('&lt;b&gt;&quot;x&quot;&amp;');
  });

  it('clips a long code-frame line around the diagnostic and moves the caret columns with the escapes', () => {
    const line = `${'a'.repeat(500)}\u001b[2Jtarget${'b'.repeat(500)}`;
    const shown = frameLine(line, 505, 511, 120);
    expect(shown.text.length).toBeLessThanOrEqual(122);
    expect(shown.text.startsWith('…') && shown.text.endsWith('…')).toBe(true);
    expect(shown.text.slice(shown.column - 1, shown.endColumn - 1)).toBe('target');
    expect(frameLine('x\u0007y', 3, 4)).toEqual({ text: 'x\\u0007y', column: 8, endColumn: 9 });
  });
});
