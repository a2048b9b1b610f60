/**
 * `unmanaged: {ignore: [PATTERN, ...]}`: remote sources that other teams own in a shared project. A pattern
 * is a glob over the source's prefix (`legacy_*`), optionally restricted to one source type (`Stripe:*`,
 * `Postgres:team_b_*`). Pure: the planner calls `isIgnored` for every remote source the file does not declare.
 *
 * Glob syntax, kept deliberately small so a pattern means the same to everyone reading it:
 * `*` matches any run of characters (also none), `?` exactly one; every other character must be one a prefix
 * may hold (letters, digits, `_`) and matches itself, case-sensitively, as PostHog compares prefixes. The
 * glob must match the whole prefix; a source without a prefix has the prefix "" (matched by `*`).
 */

export interface IgnorePattern {
  /** The pattern as written in the file. */
  text: string;
  /** The source type it is restricted to, or null for any type. */
  type: string | null;
  /** The prefix glob. */
  glob: string;
}

export type PatternParse = { ok: true; pattern: IgnorePattern } | { ok: false; problem: string };

const GLOB = /^[A-Za-z0-9_*?]+$/;
const TYPE = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Parse one pattern; a problem is a sentence for the user (lint turns it into a positioned diagnostic). */
export function parseIgnorePattern(text: string): PatternParse {
  const parts = text.split(':');
  if (parts.length > 2) return { ok: false, problem: `"${text}" has more than one ":"; write TYPE:GLOB or GLOB` };
  const [typePart, glob] = parts.length === 2 ? [parts[0]!, parts[1]!] : [null, parts[0]!];
  if (typePart !== null && !TYPE.test(typePart)) {
    return { ok: false, problem: `"${typePart}" before ":" is not a source type name` };
  }
  if (glob === '') return { ok: false, problem: `"${text}" has no prefix glob; use "*" for every prefix` };
  if (!GLOB.test(glob)) {
    return { ok: false, problem: `"${glob}" may hold only letters, digits, "_" (as a prefix does) and the wildcards "*" and "?"` };
  }
  return { ok: true, pattern: { text, type: typePart, glob } };
}

/** Whether the glob matches the whole prefix. Iterative (no regular expression built from user input). */
export function globMatches(glob: string, prefix: string): boolean {
  let g = 0;
  let p = 0;
  let starG = -1;
  let starP = 0;
  while (p < prefix.length) {
    if (g < glob.length && (glob[g] === '?' || glob[g] === prefix[p])) {
      g++;
      p++;
    } else if (g < glob.length && glob[g] === '*') {
      starG = g++;
      starP = p;
    } else if (starG >= 0) {
      g = starG + 1;
      p = ++starP;
    } else {
      return false;
    }
  }
  while (g < glob.length && glob[g] === '*') g++;
  return g === glob.length;
}

/**
 * Whether a remote source matches one of the patterns. Patterns are strings as written in the file (or
 * already parsed); a pattern that does not parse matches nothing (lint reports it, and plan does not run on
 * a file with lint errors). PostHog's null prefix and "" are the same prefix.
 */
export function isIgnored(remote: { source_type: string; prefix: string | null }, patterns: readonly (string | IgnorePattern)[]): boolean {
  const prefix = remote.prefix ?? '';
  for (const entry of patterns) {
    const pattern = typeof entry === 'string' ? parseIgnorePattern(entry) : ({ ok: true, pattern: entry } as const);
    if (!pattern.ok) continue;
    if (pattern.pattern.type !== null && pattern.pattern.type !== remote.source_type) continue;
    if (globMatches(pattern.pattern.glob, prefix)) return true;
  }
  return false;
}
