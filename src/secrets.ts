/**
 * Every secret value dwctl learns (resolved references, the API key, secrets read back from PostHog's
 * error texts) is registered here, and every string that leaves the process for stdout, stderr, a log
 * or a plan file goes through `mask`. Masking is by value, so it also covers PostHog's own messages
 * that echo what we sent.
 */
export class SecretMasker {
  private readonly values = new Set<string>();

  /** Register a secret. Values shorter than 4 characters would mask ordinary text, so they are skipped. */
  add(value: unknown): void {
    if (typeof value === 'string') {
      if (value.length >= 4) this.values.add(value);
      // A secret may reach a message JSON-encoded (quotes escaped) or with its line breaks escaped.
      const encoded = JSON.stringify(value).slice(1, -1);
      if (encoded !== value && encoded.length >= 4) this.values.add(encoded);
    } else if (value && typeof value === 'object') {
      for (const v of Object.values(value)) this.add(v);
    }
  }

  get size(): number {
    return this.values.size;
  }

  mask(text: string): string {
    if (this.values.size === 0 || !text) return text;
    let out = text;
    // Longest first, so a secret that contains another is masked whole.
    for (const v of [...this.values].sort((a, b) => b.length - a.length)) {
      if (out.includes(v)) out = out.split(v).join('***');
    }
    return out;
  }
}
