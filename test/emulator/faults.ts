/**
 * Fault injection: rules matched by method + path regex that make the emulator answer like a flaky
 * network or an overloaded PostHog. `times` bounds how often a rule fires; `probability` draws from a
 * seeded RNG so a failing run can be replayed.
 */

export type FaultAction = 'reset-before' | 'reset-after';

export interface FaultRule {
  /** HTTP method to match (any when omitted). */
  method?: string;
  /** Regex (source string) tested against the path without query string. */
  path: string;
  /** Fire at most this many times (unbounded when omitted). */
  times?: number;
  /** Chance in [0, 1] that a matching request triggers the rule (1 when omitted). */
  probability?: number;
  /** Answer with this status instead of handling the request (429 / 500 / 502 / 503 / 504…). */
  status?: number;
  /** Seconds for `Retry-After` on 429/503 (default 1). */
  retryAfter?: number;
  /** Wait this long before going on (alone, or before a status/action). */
  delayMs?: number;
  /** `reset-before`: destroy the socket without doing anything; `reset-after`: perform the effect, then destroy it. */
  action?: FaultAction;
}

interface ActiveRule {
  rule: FaultRule;
  regex: RegExp;
  remaining: number;
}

/** mulberry32: small, seedable, good enough to make fault decisions reproducible. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultController {
  private rules: ActiveRule[] = [];
  private random: () => number;

  constructor(seed = 1) {
    this.random = seededRandom(seed);
  }

  /** Add rules; invalid regexes throw. */
  add(...rules: FaultRule[]): void {
    for (const rule of rules) this.rules.push({ rule, regex: new RegExp(rule.path), remaining: rule.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.rules = [];
  }

  seed(seed: number): void {
    this.random = seededRandom(seed);
  }

  /** Rules still armed (for inspection). */
  list(): FaultRule[] {
    return this.rules.filter((r) => r.remaining > 0).map((r) => r.rule);
  }

  /** The first armed rule that matches and wins its draw; consumes one of its `times`. */
  match(method: string, path: string): FaultRule | null {
    for (const active of this.rules) {
      if (active.remaining <= 0) continue;
      if (active.rule.method && active.rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (!active.regex.test(path)) continue;
      if (active.rule.probability !== undefined && this.random() >= active.rule.probability) continue;
      active.remaining -= 1;
      return active.rule;
    }
    return null;
  }
}

/** Parse the body of `POST /_emulator/faults`: one rule or an array, optionally `{seed, rules}`. */
export function parseFaultRules(body: unknown): { rules: FaultRule[]; seed?: number } {
  const wrapped = body as { rules?: unknown; seed?: unknown } | null;
  const raw = Array.isArray(body) ? body : wrapped && Array.isArray(wrapped.rules) ? wrapped.rules : [body];
  const rules = raw.map((r) => {
    const rule = r as FaultRule;
    if (!rule || typeof rule.path !== 'string') throw new Error('each fault rule needs a "path" regex string');
    return rule;
  });
  return typeof wrapped?.seed === 'number' ? { rules, seed: wrapped.seed } : { rules };
}
