import type { Severity } from '../diagnostics/codes.js';

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

export function annotation(a: Annotation): string {
  const command = a.severity === 'error' ? 'error' : a.severity === 'warning' ? 'warning' : 'notice';
  const props = [
    `file=${escapeProperty(a.file)}`,
    `line=${a.line}`,
    `endLine=${a.end_line}`,
    `col=${a.column}`,
    `endColumn=${a.end_column}`,
    `title=${escapeProperty(a.title)}`,
  ].join(',');
  return `::${command} ${props}::${escapeData(a.message)}`;
}
