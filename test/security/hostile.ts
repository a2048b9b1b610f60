/**
 * The adversarial suite's shared pieces: a hostile corpus, a proxy that plays a PostHog relaying hostile
 * texts from other systems, and the checks every output must pass. Each check fails if an attack came back.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';

/** Strings an attacker would put in a YAML key or value, or make a database or PostHog echo. */
export const HOSTILE = {
  /** Sets the terminal title, then BEL. */
  title: '\u001b]0;pwned\u0007',
  /** Clears the screen and homes the cursor. */
  clear: '\u001b[2J\u001b[H',
  /** The 8-bit CSI (C1) and DEL. */
  c1: '\u009b31m\u007f',
  /** Right-to-left override (Trojan Source). */
  bidi: 'abc\u202edcba',
  /** A forged workflow command on its own line (CRLF and LF). */
  workflow: 'x\r\n::error file=a,line=1::forged annotation\n::add-mask::x',
  /** The old command form, anywhere in a line. */
  workflowV1: 'x ##[error]forged',
  /** A lone fence, then markdown that would render outside it. */
  fence: '```\n# Forged heading\n[click me](https://evil.example/phish)',
  link: '[click me](https://evil.example/phish)',
  image: '![tracker](https://evil.example/pixel.png)',
  html: '<img src=x onerror=alert(1)><script>alert(1)</script>',
  mention: '@octocat please merge',
  pipe: 'a | b | c',
} as const;

/** All of them in one string (a value may carry several at once). */
export const HOSTILE_ALL = Object.values(HOSTILE).join(' ');

/** One hostile YAML double-quoted scalar holding `text` (YAML escapes for the controls). */
export function yamlQuoted(text: string): string {
  return JSON.stringify(text).replace(/\\u001b/g, '\\e').replace(/\\u0007/g, '\\a');
}

/** Controls that must never reach output raw: everything below 0x20 but LF, DEL, C1, separators, bidi. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** dwctl's own annotation: `::error|warning|notice file=…,line=…,endLine=…,col=…,endColumn=…,title=dwctl …::…`. */
const OWN_ANNOTATION = /^::(error|warning|notice) file=[^,:]*,line=\d+,endLine=\d+,col=\d+,endColumn=\d+,title=dwctl [a-zA-Z0-9 %-]+::/;

/**
 * Output for a terminal or a CI log: no raw control or bidi character, and no line GitHub's runner would read as
 * a workflow command except dwctl's own annotations (when `annotations` is true).
 */
export function expectTerminalSafe(text: string, what: string, options: { annotations?: boolean } = {}): void {
  const bad = RAW_CONTROL.exec(text);
  expect(bad, `${what}: raw control character U+${bad?.[0].charCodeAt(0).toString(16).padStart(4, '0')} in output`).toBeNull();
  for (const line of text.split('\n')) {
    if (line.trimStart().startsWith('::')) {
      expect(options.annotations, `${what}: a workflow command line that dwctl did not mean to write: ${line}`).toBe(true);
      expect(line, `${what}: a forged workflow command`).toMatch(OWN_ANNOTATION);
    }
    // The runner reads `##[command]` at the start of a line (leading whitespace trimmed), like `::`.
    expect(line.trimStart().startsWith('##['), `${what}: an old-style ##[ command: ${line}`).toBe(false);
  }
}

/**
 * A pull-request comment: fences are closed where dwctl closes them (the footer is outside every code block),
 * and outside code there is no heading but dwctl's, no link, image, raw HTML from data, or mention.
 */
export function expectMarkdownSafe(markdown: string, what: string): void {
  expectTerminalSafe(markdown, what);
  const prose = stripCode(markdown, what);
  expect(prose, `${what}: the footer ended up inside a code block`).toContain('<sub>dwctl');
  for (const line of prose.split('\n')) if (/^ {0,3}#{1,6}(\s|$)/.test(line)) expect(line, `${what}: a heading from data`).toMatch(/^### dwctl plan: /);
  expect(prose, `${what}: a link or image from data`).not.toMatch(/\]\(|!\[/);
  expect(prose, `${what}: raw HTML from data`).not.toMatch(/<(img|script|a|iframe)\b/i);
  expect(prose, `${what}: a bare URL GitHub would link`).not.toMatch(/https?:\/\/evil/);
  expect(prose, `${what}: a mention`).not.toMatch(/(^|[^`\w])@octocat/);
  // Table rows keep their table's column count (its header's: the summary, the rows-per-month table): a `|` from data is escaped.
  const lines = markdown.split('\n');
  const cells = (line: string) => line.replace(/\\\|/g, '').split('|').length;
  let columns = 0;
  for (const [index, line] of lines.entries()) {
    if (!line.startsWith('| ') || line.startsWith('| ---')) continue;
    if (lines[index + 1]?.startsWith('| ---')) columns = cells(line);
    else expect(cells(line), `${what}: a table row split by data: ${line}`).toBe(columns);
  }
  expect(columns, `${what}: no summary table`).toBeGreaterThan(0);
}

/**
 * The prose of a CommonMark document: fenced blocks (closed only by a fence at least as long) and inline code
 * spans removed. A fence left open swallows the rest, footer included, which the caller then notices.
 */
function stripCode(markdown: string, what: string): string {
  const out: string[] = [];
  let fence: string | null = null;
  for (const line of markdown.split('\n')) {
    if (fence === null) {
      const open = /^ {0,3}(`{3,})/.exec(line);
      if (open) {
        fence = open[1]!;
        continue;
      }
      // Escaped characters first (an escaped backtick opens no code span), then code spans.
      out.push(line.replace(/\\[\s\S]/g, '·').replace(/(`+)[\s\S]*?\1/g, ''));
    } else {
      const close = /^ {0,3}(`{3,})\s*$/.exec(line);
      if (close && close[1]!.length >= fence.length) fence = null;
    }
  }
  expect(fence, `${what}: a code fence is never closed`).toBeNull();
  return out.join('\n');
}

export interface ProxyRule {
  method?: string;
  /** Regex tested against the path without query string. */
  path: RegExp;
  /** Answer with this instead of forwarding. */
  reply?: { status: number; body: unknown };
  /** Forward, then rewrite the JSON answer. */
  rewrite?: (body: unknown) => unknown;
}

/**
 * A PostHog that relays hostile texts: a proxy in front of the emulator that answers or rewrites matching
 * requests (a database's error message, a table name, latest_error) and forwards everything else untouched.
 * A separate file so the emulator itself stays PostHog's.
 */
export async function startHostileProxy(upstream: string, rules: ProxyRule[]): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(upstream);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const rule = rules.find((r) => (!r.method || r.method === req.method) && r.path.test(path));
      if (rule?.reply) {
        const text = JSON.stringify(rule.reply.body);
        res.writeHead(rule.reply.status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) });
        res.end(text);
        return;
      }
      const forwarded = request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (answer: IncomingMessage) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            let text = Buffer.concat(parts).toString('utf8');
            if (rule?.rewrite && answer.statusCode === 200) text = JSON.stringify(rule.rewrite(JSON.parse(text)));
            const headers = { ...answer.headers, 'content-length': String(Buffer.byteLength(text)) };
            res.writeHead(answer.statusCode ?? 502, headers);
            res.end(text);
          });
        },
      );
      forwarded.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      forwarded.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
