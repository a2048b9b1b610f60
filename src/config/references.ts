import { isAbsolute } from 'node:path';
/**
 * `${NAME}` is the environment variable NAME; `${file:PATH}` is the content of a file, PATH relative to the
 * YAML file; `$${` is a literal `${`. References are parsed here (by lint, offline) and resolved only by
 * commands that talk to PostHog.
 */
export type Reference = { kind: 'env'; name: string; raw: string } | { kind: 'file'; path: string; raw: string };

export type Segment = { literal: string } | { reference: Reference };

export interface ParsedString {
  segments: Segment[];
  /** Problems with malformed references, as user-facing sentences. */
  errors: string[];
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseReferences(text: string): ParsedString {
  const segments: Segment[] = [];
  const errors: string[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      literal += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      literal += text[i];
      i++;
      continue;
    }
    const close = text.indexOf('}', i + 2);
    if (close === -1) {
      errors.push(`"${abbreviate(text.slice(i))}" is not closed: a reference is \${NAME} or \${file:PATH}`);
      break;
    }
    const body = text.slice(i + 2, close);
    const raw = text.slice(i, close + 1);
    const reference = parseBody(body, raw);
    if (typeof reference === 'string') {
      errors.push(reference);
    } else {
      if (literal) segments.push({ literal });
      literal = '';
      segments.push({ reference });
    }
    i = close + 1;
  }
  if (literal) segments.push({ literal });
  return { segments, errors };
}

function parseBody(body: string, raw: string): Reference | string {
  if (body.startsWith('file:')) {
    const path = body.slice('file:'.length).trim();
    if (!path) return `"${raw}" names no file: write \${file:path/to/file}`;
    return { kind: 'file', path, raw };
  }
  if (body === '') return `"${raw}" is empty: write \${NAME} for an environment variable or \${file:PATH} for a file`;
  const scheme = /^([a-z]+):/.exec(body);
  if (scheme) return `"${raw}" uses the unknown scheme "${scheme[1]}:": only \${NAME} and \${file:PATH} are supported`;
  if (!ENV_NAME.test(body)) {
    return `"${raw}" is not a valid variable name: use letters, digits and "_", not starting with a digit`;
  }
  return { kind: 'env', name: body, raw };
}

function abbreviate(text: string): string {
  return text.length > 30 ? `${text.slice(0, 30)}…` : text;
}

/** The string is exactly one well-formed reference (what secret fields require). */
export function singleReference(text: string): Reference | undefined {
  const parsed = parseReferences(text);
  if (parsed.errors.length > 0 || parsed.segments.length !== 1) return undefined;
  const only = parsed.segments[0]!;
  return 'reference' in only ? only.reference : undefined;
}

/** `SHOP_DB` + `password` → `SHOP_DB_PASSWORD`: the reference name dwctl suggests for a secret. */
export function suggestedVariable(...parts: string[]): string {
  // hubspot + hubspot_integration_id → HUBSPOT_INTEGRATION_ID, not HUBSPOT_HUBSPOT_INTEGRATION_ID.
  const deduplicated = parts.filter((part, i) => i === parts.length - 1 || !parts[i + 1]!.toLowerCase().startsWith(part.toLowerCase()));
  return deduplicated
    .join('_')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}

/**
 * dwctl's own settings (contract §2: POSTHOG_HOST, POSTHOG_PERSONAL_API_KEY and their aliases, all POSTHOG_*;
 * DWCTL_*) cannot be referenced: a pull request could otherwise send dwctl's API key to a host it chooses as a
 * "database password". Compared case-insensitively, as Windows resolves environment names.
 */
export function isReservedVariable(name: string): boolean {
  return /^(POSTHOG|DWCTL)_/i.test(name);
}

/** The lexical checks of a `${file:PATH}` path, which need no file system (lint runs them offline too). */
export function pathProblem(path: string): string | undefined {
  if (path.includes('\u0000')) return 'the path contains a NUL character';
  if (isAbsolute(path) || /^[A-Za-z]:/.test(path) || path.startsWith('\\\\')) return 'the path is absolute: write it relative to warehouse.yaml';
  if (path.startsWith('~')) return 'the path starts with "~": write it relative to warehouse.yaml';
  if (inGitMetadata(path.split(/[\\/]/))) return GIT_METADATA_PROBLEM;
  return undefined;
}

/**
 * `.git/` is inside the repository but is not the repository's content: CI checkouts keep credentials there
 * (actions/checkout writes the job's token into `.git/config`), so `${file:.git/config}` in a field that is not
 * secret would print it in a plan or PR comment. Case-insensitive, as macOS and Windows file systems are.
 */
export function inGitMetadata(components: readonly string[]): boolean {
  return components.some((component) => component.toLowerCase() === '.git');
}

export const GIT_METADATA_PROBLEM = "the path is inside .git, git's own directory (CI checkouts keep credentials there)";
