import { describe, expect, it } from 'vitest';
import { prefixWithoutType } from '../../src/lint/rules/prefix-repeats-type.js';
import { lint, readFixture } from './lint-helpers.js';

describe('prefix-repeats-type', () => {
  it.each([
    ['stripe_', 'Stripe', ''],
    ['Stripe_', 'Stripe', ''],
    ['prod_stripe_', 'Stripe', 'prod_'],
    ['stripe_prod_', 'Stripe', 'prod_'],
    ['postgres_analytics_', 'Postgres', 'analytics_'],
  ])('%s on %s repeats the type (better: "%s")', (prefix, type, better) => {
    expect(prefixWithoutType(prefix, type)).toBe(better);
  });

  it.each([
    ['billing_', 'Stripe'],
    ['mystripe_', 'Stripe'],
    ['pg_', 'Postgres'],
    ['postgresql_', 'Postgres'],
    ['', 'Stripe'],
  ])('%s on %s does not', (prefix, type) => {
    expect(prefixWithoutType(prefix, type)).toBeUndefined();
  });

  it('says what the tables will be called and what to use instead', () => {
    const messages = lint(readFixture('prefix-repeats-type').text).map((d) => `${d.line}:${d.column} ${d.severity} ${d.message}`);
    expect(messages).toEqual([
      '5:13 warning Prefix "stripe_" repeats the source type: PostHog already puts "stripe" in every table name, so tables will be named like stripe_stripe_<table>. Name what the source holds instead; an empty prefix ("") gives stripe_<table> (one source of a type can have it).',
      '13:13 warning Prefix "prod_Postgres_" repeats the source type: PostHog already puts "postgres" in every table name, so tables will be named like prod_postgres_postgres_<table>. Name what the source holds instead; "prod_" gives prod_postgres_<table>.',
    ]);
  });

  it('stays quiet on a prefix that is refused anyway (invalid-prefix says why)', () => {
    const text = readFixture('prefix-repeats-type').text.replace('prefix: stripe_', 'prefix: stripe-db_');
    expect(lint(text).map((d) => d.code)).toEqual(['invalid-prefix', 'prefix-repeats-type']);
  });
});
