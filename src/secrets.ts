import { terminalText } from './sanitize.js';

/**
 * Every secret value dwctl learns (resolved references, the API key, secrets read back from PostHog's
 * error texts) is registered here, and every string that leaves the process for stdout, stderr, a log
 * or a plan file goes through `mask`. Masking is by value, so it also covers PostHog's own messages
 * that echo what we sent — and the obvious ways a message may have transformed it on the way: another
 * case, URL-encoding, base64 (at any byte alignment inside a longer encoded text), JSON or terminal
 * escaping, and an echo cut short (a long enough prefix of the secret).
 */

/** Values shorter than this are not masked at all: they would hide ordinary words. */
export const MIN_MASKED_LENGTH = 4;
/** Below this length a secret is masked only where it appears whole; plan warns (`short-secret`). */
export const RELIABLE_SECRET_LENGTH = 8;

interface Pattern {
  /** Case-folded text to find. */
  text: string;
  /** A prefix or suffix of at least this many characters counts as an echo of `text`. */
  partial: number;
}

export interface AddOptions {
  /** Only the value and its encodings, no partial echoes: for values that are only presumed secret (environment). */
  exactOnly?: boolean;
}

export class SecretMasker {
  private readonly patterns = new Map<string, Pattern>();

  /** Register a secret (a string, or every string inside an object). */
  add(value: unknown, options: AddOptions = {}): void {
    if (typeof value === 'string') this.addString(value, options);
    else if (value && typeof value === 'object') for (const v of Object.values(value)) this.add(v, options);
  }

  get size(): number {
    return this.patterns.size;
  }

  private addString(value: string, options: AddOptions): void {
    if (value.length < MIN_MASKED_LENGTH) return;
    // A cut-short echo is recognised from 8 characters and half the secret, whichever is longer.
    const partial = options.exactOnly || value.length < 2 * RELIABLE_SECRET_LENGTH ? value.length : Math.max(RELIABLE_SECRET_LENGTH, Math.ceil(value.length / 2));
    this.register(value, partial);
    for (const variant of encodings(value)) this.register(variant, variant.length);
  }

  private register(text: string, partial: number): void {
    if (text.length < MIN_MASKED_LENGTH) return;
    const folded = fold(text);
    const known = this.patterns.get(folded);
    if (!known || known.partial > partial) this.patterns.set(folded, { text: folded, partial });
  }

  mask(text: string): string {
    if (this.patterns.size === 0 || !text) return text;
    const folded = fold(text);
    const ranges: [number, number][] = [];
    for (const p of this.patterns.values()) {
      const whole = p.text;
      // Prefixes (and the whole value): find the first `partial` characters, extend while they match. Only
      // prefixes: messages cut an echo at the end, and a secret's tail is often a word (…_signing_secret).
      const head = whole.slice(0, p.partial);
      for (let at = folded.indexOf(head); at !== -1; at = folded.indexOf(head, at + 1)) {
        let end = at + head.length;
        while (end - at < whole.length && folded[end] === whole[end - at]) end++;
        ranges.push([at, end]);
      }
    }
    if (ranges.length === 0) return text;
    ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    let out = '';
    let cursor = 0;
    for (const [start, end] of ranges) {
      if (end <= cursor) continue;
      out += text.slice(cursor, Math.max(cursor, start)) + (start >= cursor ? '***' : '');
      cursor = end;
    }
    return out + text.slice(cursor);
  }
}

/**
 * Case folding that keeps every index where it was (so ranges found in the folded text apply to the
 * original): a code unit whose lower case is longer (İ) stays as it is.
 */
function fold(text: string): string {
  let out = '';
  for (const c of text) {
    const lower = c.toLowerCase();
    out += lower.length === c.length ? lower : c;
  }
  return out;
}

/** The forms a secret commonly takes inside someone else's message. */
function encodings(value: string): string[] {
  const out = new Set<string>();
  out.add(JSON.stringify(value).slice(1, -1));
  out.add(terminalText(value));
  out.add(encodeURIComponent(value));
  out.add(encodeURIComponent(value).replace(/%20/g, '+'));
  out.add(encodeURI(value));
  for (const b64 of base64Alignments(value)) {
    out.add(b64);
    out.add(b64.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  out.delete(value);
  return [...out];
}

/**
 * Base64 of the secret as it appears inside a longer encoded text: the secret may start at any of the three
 * byte offsets of a base64 group. For each, the characters that depend only on the secret's bytes.
 */
function base64Alignments(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const out: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const first = Math.ceil((8 * offset) / 6);
    const last = Math.floor((8 * (offset + bytes.length)) / 6);
    if (last - first >= RELIABLE_SECRET_LENGTH) out.push(encoded.slice(first, last));
  }
  // Alone (padded), as in a Basic auth header or a base64-encoded field.
  out.push(bytes.toString('base64'));
  return out;
}

/**
 * Defence in depth: the values of environment variables whose names look secret (see `looksSecret`) are
 * masked even when no reference names them, so a message that echoes one (a CI token in a URL…) is hidden.
 * Only whole values (and their encodings) of at least 8 characters: these are presumed, not known, secrets.
 */
export function maskSecretLookingEnvironment(env: Record<string, string | undefined>, masker: SecretMasker): void {
  for (const [name, value] of Object.entries(env)) {
    if (value && value.length >= RELIABLE_SECRET_LENGTH && looksSecret(name)) masker.add(value, { exactOnly: true });
  }
}

const SECRET_WORDS = new Set([
  // Not PWD (the shell's working directory) nor SESSION (DBUS_SESSION_BUS_ADDRESS): common, and not secrets.
  'KEY', 'KEYS', 'APIKEY', 'TOKEN', 'TOKENS', 'SECRET', 'SECRETS', 'PASSWORD', 'PASSWORDS', 'PASSWD', 'PASS',
  'PASSPHRASE', 'CREDENTIAL', 'CREDENTIALS', 'CREDS', 'PRIVATE', 'AUTH', 'COOKIE', 'SIGNATURE', 'DSN',
]);

/**
 * Whether an environment variable's name says it holds a secret: one of its words (split at `_`, `-` and
 * case changes) is KEY, TOKEN, SECRET, PASSWORD, PASS, CREDENTIAL, PRIVATE, AUTH… (see docs/configuration.md).
 */
export function looksSecret(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[_\-.]+/)
    .map((w) => w.toUpperCase());
  return words.some((w) => SECRET_WORDS.has(w) || /(?:PASSWORD|PASSWD|PASS|SECRET|TOKEN|APIKEY)$/.test(w));
}
