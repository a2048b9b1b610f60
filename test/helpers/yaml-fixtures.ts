/**
 * YAML pieces that many tests declare: the Stripe source `billing` with an API key (a reference, never a
 * literal), indented as a source under `sources:`. Its `billing:` line and its tables are each test's own.
 */
export const BILLING_STRIPE = `    type: Stripe
    prefix: billing_
    config:
      auth_method:
        selection: api_key
        stripe_secret_key: \${STRIPE_SECRET_KEY}
`;

/** The same source with its API key in a flow mapping, as other tests write it. */
export const BILLING_STRIPE_FLOW = `    type: Stripe
    prefix: billing_
    config:
      auth_method: { selection: api_key, stripe_secret_key: "\${STRIPE_SECRET_KEY}" }
`;

/** A whole file with the Stripe source `billing` (compact flow style), its tables, and maybe a signing secret. */
export const billingStripeYaml = (tables: string, secret: boolean): string => `version: 1
sources:
  billing:
    type: Stripe
    prefix: billing_
    config:
      auth_method: {selection: api_key, stripe_secret_key: "\${STRIPE_KEY}"}
    tables:
${tables}${secret ? '    webhook:\n      signing_secret: ${WHSEC}\n' : ''}`;
