import { describe, expect, it } from 'vitest';
import { SecretMasker, looksSecret, maskSecretLookingEnvironment } from '../../src/secrets.js';

/** Each transformation of a secret a foreign message could carry; the masked text must not contain any of them. */
const SECRET = 'Sup3r/S3cret+Passw0rd!with spaces';

function transformations(secret: string): Record<string, string> {
  return {
    exact: secret,
    upper: secret.toUpperCase(),
    lower: secret.toLowerCase(),
    'url-encoded': encodeURIComponent(secret),
    'form-encoded': encodeURIComponent(secret).replace(/%20/g, '+'),
    'url-encoded, lower-case hex': encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
    base64: Buffer.from(secret).toString('base64'),
    'base64url': Buffer.from(secret).toString('base64url'),
    'json-escaped': JSON.stringify(secret).slice(1, -1),
    'long prefix (truncated echo)': secret.slice(0, Math.ceil(secret.length / 2) + 1),
  };
}

describe('masking transformed secrets', () => {
  const masker = new SecretMasker();
  masker.add(SECRET);

  it.each(Object.entries(transformations(SECRET)))('masks the %s form inside a message', (_name, form) => {
    const masked = masker.mask(`PostHog said: could not connect with "${form}" (code 28P01)`);
    expect(masked).not.toContain(form);
    expect(masked).toContain('***');
    expect(masked).toMatch(/^PostHog said: could not connect with "/);
  });

  it.each([0, 1, 2])('masks the secret base64-encoded inside a longer text at byte offset %i', (offset) => {
    const encoded = Buffer.from(`${'x'.repeat(offset)}user:${SECRET}@host`).toString('base64');
    const masked = masker.mask(`Authorization: Basic ${encoded}`);
    const secretPart = Buffer.from(SECRET).toString('base64').slice(4, 20);
    // The secret's own base64 characters are gone: decoding what is left does not give the secret back.
    expect(Buffer.from(masked.replace('Authorization: Basic ', '').replace(/\*/g, ''), 'base64').toString('latin1')).not.toContain(SECRET.slice(0, 8));
    expect(masked).toContain('***');
    expect(secretPart.length).toBeGreaterThan(0);
  });

  it('masks an echo that a message cut short, but not a short common prefix', () => {
    const m = new SecretMasker();
    m.add('postgres-password-2024-abcdef');
    expect(m.mask('password "postgres-password-20…" rejected')).toBe('password "***…" rejected');
    // Fewer than half of the secret's characters: ordinary words stay.
    expect(m.mask('connect to postgres now')).toBe('connect to postgres now');
  });

  it('does not mask a word that ends a secret (signing_secret in whsec_demo_signing_secret)', () => {
    const m = new SecretMasker();
    m.add('whsec_demo_signing_secret');
    expect(m.mask('+ signing_secret = "(sensitive)"')).toBe('+ signing_secret = "(sensitive)"');
  });

  it('keeps masking the whole value when one secret contains another', () => {
    const m = new SecretMasker();
    m.add('abcdefgh');
    m.add('abcdefgh-ijklmnop');
    expect(m.mask('[abcdefgh-ijklmnop]')).toBe('[***]');
  });

  it('does not mask values shorter than 4 characters, and masks 4 to 7 characters only whole', () => {
    const m = new SecretMasker();
    m.add('abc');
    m.add('hunter2');
    expect(m.mask('abc hunter2 HUNTER2 hunte')).toBe('abc *** *** hunte');
  });

  it('masks the secret as the terminal sanitiser escapes it', () => {
    const m = new SecretMasker();
    m.add('line1\u001bline2\u202eend');
    expect(m.mask('got line1\\u001bline2\\u202eend')).toBe('got ***');
  });

  it('recognises secret-looking variable names', () => {
    for (const name of ['AWS_SECRET_ACCESS_KEY', 'GITHUB_TOKEN', 'DB_PASSWORD', 'NPM_AUTH_TOKEN', 'STRIPE_API_KEY', 'PGPASS', 'privateKey', 'MY_CREDENTIALS', 'SENTRY_DSN', 'DB_PASS'])
      expect(looksSecret(name), name).toBe(true);
    for (const name of ['DB_HOST', 'PGUSER', 'DATABASE_NAME', 'PORT', 'PWD', 'HOME', 'KEYSPACE_NAME'])
      expect(looksSecret(name), name).toBe(false);
  });

  it('masks the values of secret-looking environment variables whole (defence in depth)', () => {
    const m = new SecretMasker();
    maskSecretLookingEnvironment({ AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG', DB_HOST: 'db.internal.example', SHORT_TOKEN: 'abc' }, m);
    expect(m.mask('key wJalrXUtnFEMI/K7MDENG host db.internal.example abc')).toBe('key *** host db.internal.example abc');
    // Presumed secrets are not masked by partial echo: a path prefix must not hide ordinary text.
    expect(m.mask('wJalrXUtnFEMI')).toBe('wJalrXUtnFEMI');
  });
});
