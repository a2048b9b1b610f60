import { CODES } from '../diagnostics/codes.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { lintReport } from '../lint/lint.js';
import { annotation } from './github.js';
import { clipped, frameLine, jsonSafe, neutraliseWorkflowCommands, terminalSafe, terminalText } from '../sanitize.js';
import type { Renderer } from './options.js';
import { plural, style } from './style.js';

/** What a lint run hands to its renderer: each file with its text (for code frames) and diagnostics. */
export interface LintRun {
  files: { file: string; text: string; diagnostics: Diagnostic[] }[];
  version: string;
}

export const LINT_FORMATS = ['text', 'json', 'github', 'sarif'] as const;
export type LintFormat = (typeof LINT_FORMATS)[number];

const allDiagnostics = (run: LintRun): Diagnostic[] => run.files.flatMap((f) => f.diagnostics);

const renderText: Renderer<LintRun> = (run, options) => {
  const s = style(options.color);
  const out: string[] = [];
  for (const { file, text, diagnostics } of run.files) {
    // Only the lines around diagnostics are shown: found on demand, not by splitting a whole (maybe 5 MB) file.
    const lines = hideLiteralSecrets(new FileLines(text), diagnostics);
    for (const raw of diagnostics) {
      // Messages quote YAML keys and values from the file: shown escaped, one line each.
      const d = terminalSafe(raw);
      out.push(`${s.bold(`${terminalText(file)}:${d.line}:${d.column}`)} ${s.severity(d.severity, d.severity)} ${s.dim(d.code)} ${clipped(d.message)}`);
      out.push(...codeFrame(lines, raw, s), '');
    }
  }
  const all = allDiagnostics(run);
  const errors = all.filter((d) => d.severity === 'error').length;
  const warnings = all.filter((d) => d.severity === 'warning').length;
  const files = plural(run.files.length, 'file');
  if (errors === 0 && warnings === 0) out.push(s.green(`✔ ${files} checked: no problems.`));
  else out.push((errors > 0 ? s.red : s.yellow)(`${errors > 0 ? '✖' : '⚠'} ${plural(errors, 'error')}, ${plural(warnings, 'warning')} in ${files}.`));
  return neutraliseWorkflowCommands(out.join('\n') + '\n');
};

/**
 * A literal secret that lint refuses must not reach a CI log through the code frame: its characters are
 * replaced by "*" (the caret line still shows where it is).
 */
function hideLiteralSecrets(lines: FileLines, diagnostics: readonly Diagnostic[]): FileLines {
  for (const d of diagnostics) {
    if (d.code !== 'plaintext-secret') continue;
    for (let n = d.line; n <= d.end_line; n++) {
      const line = lines.get(n);
      if (line === undefined) continue;
      const from = n === d.line ? d.column - 1 : 0;
      const to = n === d.end_line ? d.end_column - 1 : line.length;
      lines.replace(n, line.slice(0, from) + '*'.repeat(Math.max(0, to - from)) + line.slice(to));
    }
  }
  return lines;
}

/** A text's lines by 1-based number (without the line break, CRLF or LF), with some replaced. */
class FileLines {
  private readonly starts: number[] = [0];
  private readonly replaced = new Map<number, string>();

  constructor(private readonly text: string) {
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) this.starts.push(at + 1);
  }

  get count(): number {
    return this.starts.length;
  }

  get(n: number): string | undefined {
    const replaced = this.replaced.get(n);
    if (replaced !== undefined) return replaced;
    const start = this.starts[n - 1];
    if (start === undefined) return undefined;
    const next = this.starts[n];
    let end = next === undefined ? this.text.length : next - 1;
    if (next !== undefined && end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return this.text.slice(start, end);
  }

  replace(n: number, line: string): void {
    this.replaced.set(n, line);
  }
}

/**
 * Two lines of context around the diagnostic, with a caret line under its span. The file is untrusted: control
 * and bidi characters are shown escaped, and long lines are clipped to a window around the span.
 */
function codeFrame(lines: FileLines, d: Diagnostic, s: ReturnType<typeof style>): string[] {
  const first = Math.max(1, d.line - 1);
  const last = Math.min(lines.count, d.line + 1);
  const width = String(last).length;
  const frame: string[] = [];
  for (let n = first; n <= last; n++) {
    const raw = (lines.get(n) ?? '').replace(/\t/g, ' ');
    const endColumn = n === d.line && d.end_line === d.line ? d.end_column : raw.length + 1;
    const shown = frameLine(raw, d.column, n === d.line ? endColumn : d.column + 1);
    const gutter = `${n === d.line ? '>' : ' '} ${String(n).padStart(width)} | `;
    frame.push(s.dim(gutter) + shown.text);
    if (n === d.line) {
      const length = Math.max(1, shown.endColumn - shown.column);
      frame.push(s.dim(`  ${' '.repeat(width)} | `) + ' '.repeat(Math.max(0, shown.column - 1)) + s.severity(d.severity, '^'.repeat(length)));
    }
  }
  return frame;
}

const renderJson: Renderer<LintRun> = (run) => jsonSafe(JSON.stringify(lintReport(allDiagnostics(run)), null, 2) + '\n');

const renderGithub: Renderer<LintRun> = (run, options) => {
  const annotations = allDiagnostics(run).map((d) => annotation({ ...d, title: `dwctl ${d.code}` }));
  // The text report after the annotations is never read as commands (renderText neutralises `::` lines).
  return [...annotations, ''].join('\n') + renderText(run, { ...options, color: false });
};

/** SARIF 2.1.0, for GitHub code scanning and other SARIF consumers. */
const renderSarif: Renderer<LintRun> = (run) => {
  const diagnostics = allDiagnostics(run);
  const ruleIds = [...new Set(diagnostics.map((d) => d.code))].sort();
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'dwctl',
            version: run.version,
            // No informationUri/helpUri: dwctl has no public home yet, and a made-up URL would mislead. The
            // docs ship inside the package (package.json "files"), so the help names the file there.
            rules: ruleIds.map((id) => ({
              id,
              shortDescription: { text: CODES[id].title },
              help: { text: `See docs/diagnostics.md#${id} (in the dwctl package).` },
              defaultConfiguration: { level: sarifLevel(CODES[id].severity) },
            })),
          },
        },
        results: diagnostics.map((d) => ({
          ruleId: d.code,
          ruleIndex: ruleIds.indexOf(d.code),
          level: sarifLevel(d.severity),
          message: { text: d.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: d.file.split('\\').join('/') },
                region: { startLine: d.line, startColumn: d.column, endLine: d.end_line, endColumn: d.end_column },
              },
              logicalLocations: d.path ? [{ fullyQualifiedName: d.path, kind: 'member' }] : [],
            },
          ],
        })),
      },
    ],
  };
  return jsonSafe(JSON.stringify(sarif, null, 2) + '\n');
};

function sarifLevel(severity: Diagnostic['severity']): 'error' | 'warning' | 'note' {
  return severity === 'info' ? 'note' : severity;
}

export const lintRenderers = {
  text: renderText,
  json: renderJson,
  github: renderGithub,
  sarif: renderSarif,
} satisfies Record<LintFormat, Renderer<LintRun>>;
