/**
 * The one output sanitiser. Strings that come from outside dwctl — warehouse.yaml (a pull request), PostHog's
 * answers (database errors, table names, Stripe messages), file names — pass through here before they reach a
 * terminal, GitHub's workflow-command parser or a pull-request comment. dwctl's own text (colours, annotations
 * it writes on purpose, markdown it structures) is added around the sanitised data, never through it.
 *
 * Escapes are visible and char-by-char (so `escape(a + b) === escape(a) + escape(b)`: addresses built from
 * escaped names still line up), in JSON's notation where JSON has one (`\n`, `\u001b`), so a secret that
 * reaches the output escaped is still recognised by the masker (src/secrets.ts registers this form).
 */

/**
 * Characters that can drive a terminal or reorder what the reader sees: C0 controls (ESC, BEL, CR, LF, TAB…),
 * DEL, C1 controls (U+0080–U+009F: a lone U+009B is CSI on some terminals), line/paragraph separators and the
 * bidirectional formatting characters of "Trojan Source" (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_EXCEPT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same set, to test without a global regex's state. */
const HAS_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

function escapeChar(c: string): string {
  return SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** One untrusted single-line field for a terminal or log: every control, separator and bidi character escaped. */
export function terminalText(text: string): string {
  return HAS_UNSAFE.test(text) ? text.replace(UNSAFE, escapeChar) : text;
}

/** Untrusted text that may span lines (an error message): line breaks kept, everything else escaped. */
export function terminalBlock(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(UNSAFE_EXCEPT_NEWLINE, escapeChar);
}

const UNSAFE_EXCEPT_LINE_BREAKS = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * The message of a GitHub annotation: GitHub shows its line breaks (escaped as %0A by escapeData), so CR and LF
 * are kept for that; every other control, separator and bidi character is escaped.
 */
export function annotationMessage(text: string): string {
  return text.replace(UNSAFE_EXCEPT_LINE_BREAKS, escapeChar);
}

/**
 * Every string in a value (object keys included) made terminal-safe, for renderers that print many fields of
 * one report: one call at the top of the renderer covers the fields a later edit adds.
 */
export function terminalSafe<T>(value: T): T {
  return deepMap(value, terminalText) as T;
}

function deepMap(value: unknown, f: (text: string) => string): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => deepMap(v, f));
  // Plain objects only: anything else (a Date, a Map) is left as it is rather than flattened.
  if (value !== null && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [f(k), deepMap(v, f)]));
  }
  return value;
}

/**
 * JSON documents are safe by encoding, except that JSON.stringify leaves DEL, C1, separators and bidi
 * characters raw: a JSON report `cat` to a terminal could still carry them. They are re-encoded as `\uXXXX`,
 * which parses back to the same value.
 */
export function jsonSafe(json: string): string {
  return HAS_UNSAFE.test(json) ? json.replace(UNSAFE_EXCEPT_NEWLINE, escapeChar) : json;
}

/**
 * Output that GitHub's runner reads (stdout and stderr of a step): a line that starts with `::` is a workflow
 * command (`::error`, `::add-mask`, `::stop-commands`), and `##[` starts the older form. dwctl writes its own
 * commands through `annotation()` (src/render/github.ts); in every other line the marker is broken visibly
 * with a backslash. Leading whitespace does not protect a line (the runner may trim it).
 */
export function neutraliseWorkflowCommands(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/^(\s*):(?=:)/, '$1\\:').replace(/##\[/g, '#\\#['))
    .join('\n');
}

/** Longest run of backticks in the text. */
function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return longest;
}

/**
 * A fenced code block whose content cannot close it: the fence is longer than any backtick run in the content
 * (CommonMark closes a fence only with at least as many backticks). Controls are escaped; lines are kept.
 */
export function markdownCodeBlock(content: string, info = ''): string {
  const safe = terminalBlock(content);
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(safe) + 1));
  return `${fence}${info}\n${safe}\n${fence}`;
}

/**
 * Untrusted text inline in markdown, as a code span: nothing inside a code span is a link, image, heading,
 * emphasis, mention or HTML. The backtick delimiter is longer than any run inside; line breaks are escaped.
 */
export function markdownCode(text: string): string {
  const safe = terminalText(text);
  if (safe === '') return '` `';
  const ticks = '`'.repeat(longestBacktickRun(safe) + 1);
  const pad = safe.startsWith('`') || safe.endsWith('`') || (safe.startsWith(' ') && safe.endsWith(' ')) ? ' ' : '';
  return `${ticks}${pad}${safe}${pad}${ticks}`;
}

/** A table cell: a code span whose `|` cannot split the row (GFM honours `\|` even inside code spans). */
export function markdownCell(text: string): string {
  return markdownCode(text).replace(/\|/g, '\\|');
}

/**
 * Untrusted prose in markdown (a diagnostic message that quotes YAML keys or PostHog's text): link, image, HTML
 * and table punctuation is escaped, and anything GitHub would turn into a link or a notification (URLs, `www.`,
 * `@mentions`) is shown as code instead. One line: line breaks are escaped.
 */
export function markdownText(text: string): string {
  const safe = terminalText(text);
  const pieces: string[] = [];
  let last = 0;
  for (const match of safe.matchAll(/(?:[A-Za-z][A-Za-z0-9+.-]*:\/\/|www\.)[^\s]*|@[A-Za-z0-9][A-Za-z0-9_/-]*/g)) {
    pieces.push(escapeProse(safe.slice(last, match.index)), markdownCode(match[0]));
    last = match.index + match[0].length;
  }
  pieces.push(escapeProse(safe.slice(last)));
  return pieces.join('');
}

/**
 * What makes a link or an image (`[`, `]`), HTML (`<`, `>`: a backslash-escaped `<` opens no tag), a table cell
 * break (`|`) or a code span (a backtick from data could pair with the span that hides a URL and set the URL
 * free) is escaped, and the backslash itself. Emphasis is left alone: data can at worst restyle text. A heading
 * needs a line start, which escaped line breaks never give data.
 */
function escapeProse(text: string): string {
  return text.replace(/[\\`[\]<>|]/g, '\\$&');
}

/** Untrusted text inside dwctl's own HTML (`<summary>`, `<code>`): entities escaped, one line. */
export function htmlText(text: string): string {
  return terminalText(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A long single-line text cut to `max` characters with an ellipsis (a message quoting a 20,000-character value). */
export function clipped(text: string, max = 400): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * One line of a lint code frame: controls escaped, and a long line clipped to a window around the
 * diagnostic's columns. Columns are 1-based in the raw line; the result gives them in the shown text.
 */
export function frameLine(line: string, column: number, endColumn: number, width = 120): { text: string; column: number; endColumn: number } {
  const prefix = terminalText(line.slice(0, Math.max(0, column - 1)));
  const middle = terminalText(line.slice(Math.max(0, column - 1), Math.max(column - 1, endColumn - 1)));
  const shown = terminalText(line);
  let start = 0;
  if (shown.length > width) {
    // Keep some context before the span; clip the rest with an ellipsis on either side.
    start = Math.max(0, Math.min(prefix.length - Math.floor(width / 3), shown.length - width));
  }
  const end = Math.min(shown.length, start + width);
  const head = start > 0 ? '…' : '';
  const tail = end < shown.length ? '…' : '';
  const text = head + shown.slice(start, end) + tail;
  const col = prefix.length - start + head.length + 1;
  const endCol = Math.min(prefix.length + middle.length, end) - start + head.length + 1;
  return { text, column: col, endColumn: Math.max(col + 1, endCol) };
}
