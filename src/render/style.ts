import type { Severity } from '../diagnostics/codes.js';

/** ANSI styling that is the identity when colour is off (NO_COLOR, --no-color, not a TTY). */
export interface Style {
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
  cyan(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
  severity(severity: Severity, text: string): string;
}

const wrap = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const identity = (text: string) => text;

export function style(color: boolean): Style {
  const red = color ? wrap(31, 39) : identity;
  const yellow = color ? wrap(33, 39) : identity;
  const cyan = color ? wrap(36, 39) : identity;
  return {
    red,
    yellow,
    green: color ? wrap(32, 39) : identity,
    cyan,
    dim: color ? wrap(2, 22) : identity,
    bold: color ? wrap(1, 22) : identity,
    severity: (severity, text) => (severity === 'error' ? red(text) : severity === 'warning' ? yellow(text) : cyan(text)),
  };
}

export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}
