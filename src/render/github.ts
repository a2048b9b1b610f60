import type { Severity } from '../diagnostics/codes.js';
import { annotationMessage, terminalText } from '../sanitize.js';

/**
 * GitHub workflow commands (`::error file=…::message`). Data and property values are escaped as
 * actions/toolkit's escapeData/escapeProperty do; annotations must be one line, so line breaks become %0A
 * (see actions/toolkit#193).
 */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export interface Annotation {
  severity: Severity;
  file: string;
  line: number;
  column: number;
  end_line: number;
  end_column: number;
  title: string;
  message: string;
}

/**
 * The one way dwctl writes a workflow command on purpose. Message, file and title may quote untrusted text:
 * controls (ESC, BEL, line breaks…) are shown escaped first (src/render/sanitize.ts), then GitHub's escapes
 * keep the command on one line with its properties intact.
 */
export function annotation(a: Annotation): string {
  const command = a.severity === 'error' ? 'error' : a.severity === 'warning' ? 'warning' : 'notice';
  const props = [
    `file=${escapeProperty(terminalText(a.file))}`,
    `line=${a.line}`,
    `endLine=${a.end_line}`,
    `col=${a.column}`,
    `endColumn=${a.end_column}`,
    `title=${escapeProperty(terminalText(a.title))}`,
  ].join(',');
  return `::${command} ${props}::${escapeData(annotationMessage(a.message))}`;
}
