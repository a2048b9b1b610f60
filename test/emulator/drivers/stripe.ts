/**
 * Stripe, emulated: PostHog's static 42-resource catalog (API.md §5 "Stripe", stripe/settings.py +
 * constants.py), the API-key check and per-resource permission probe, and the webhook facts the
 * webhook flow needs (API.md §7). Accounts are the emulator's `stripeKeys` option.
 */
import { type DiscoveredTable, DriverError, type IncrementalField, type SourceDriver } from './types.js';

export interface StripeAccount {
  /** The key may create webhook endpoints and change their events ('Write' on 'Webhook endpoints'; implies read). */
  webhookWrite?: boolean;
  /**
   * The key may read webhook endpoints ('Read' on 'Webhook endpoints'): PostHog then reports the endpoint and its
   * missing events, yet cannot add them. Defaults to webhookWrite.
   */
  webhookRead?: boolean;
  /** Resources whose list call Stripe refuses for this key (shown as `permission_error`). */
  deniedResources?: string[];
}

/** stripe/source.py validate_credentials, newest wording (API.md §2.2). */
export const STRIPE_KEY_REJECTED =
  'Stripe rejected the API key. Double-check that you pasted a restricted key (rk_live_...) for the same Stripe account, with no extra whitespace, and that it has not been revoked.';

export const WEBHOOK_WRITE_DENIED =
  "Your Stripe API key doesn't have permission to create webhooks. Please add the 'Write' permission for 'Webhook endpoints' to your API key, or create the webhook manually.";
export const WEBHOOK_OAUTH_DENIED =
  "Your Stripe integration doesn't have permission to create webhooks. Set up the webhook manually below, or reconnect your Stripe integration and grant webhook access.";
export const WEBHOOK_READ_DENIED =
  "Your Stripe API key doesn't have permission to read webhooks. Add the 'Read' permission for 'Webhook endpoints' to your API key.";
export const WEBHOOK_API_VERSION = '2024-09-30.acacia';

interface StripeResource {
  name: string;
  /** APPEND_ONLY_INCREMENTAL_FIELDS entry (field name, its label), or null. */
  append: { field: string; label: string } | null;
  /** Stripe object type (`data.object.object`) used in schema_mapping, null when not webhook-capable. */
  objectType: string | null;
  /** Event-name prefix from RESOURCE_TO_STRIPE_WEBHOOK_EVENT. */
  eventPrefix: string | null;
  webhookOnly?: boolean;
  /** Stripe permission name for the missing-scope text. */
  permission: string;
}

const CREATED = { field: 'created', label: 'created_at' };

/** PostHog's ENDPOINTS order; webhook facts from constants.py (order and flags match db-schema-stripe-example.json). */
const RESOURCES: StripeResource[] = [
  { name: 'BalanceTransaction', append: CREATED, objectType: 'balance_transaction', eventPrefix: 'account', permission: 'rak_balance_transaction_read' },
  { name: 'Charge', append: CREATED, objectType: 'charge', eventPrefix: 'charge', permission: 'rak_charge_read' },
  { name: 'Customer', append: CREATED, objectType: 'customer', eventPrefix: 'customer', permission: 'rak_customer_read' },
  { name: 'Dispute', append: CREATED, objectType: 'dispute', eventPrefix: 'dispute', permission: 'rak_dispute_read' },
  { name: 'InvoiceItem', append: { field: 'date', label: 'date' }, objectType: 'invoiceitem', eventPrefix: 'invoiceitem', permission: 'rak_invoice_read' },
  { name: 'Invoice', append: CREATED, objectType: 'invoice', eventPrefix: 'invoice', permission: 'rak_invoice_read' },
  { name: 'Payout', append: CREATED, objectType: 'payout', eventPrefix: 'payout', permission: 'rak_payout_read' },
  { name: 'Price', append: CREATED, objectType: 'price', eventPrefix: 'price', permission: 'rak_plan_read' },
  { name: 'Product', append: CREATED, objectType: 'product', eventPrefix: 'product', permission: 'rak_product_read' },
  { name: 'Refund', append: CREATED, objectType: 'refund', eventPrefix: 'refund', permission: 'rak_refund_read' },
  { name: 'Subscription', append: CREATED, objectType: 'subscription', eventPrefix: 'customer.subscription', permission: 'rak_subscription_read' },
  { name: 'CreditNote', append: CREATED, objectType: 'credit_note', eventPrefix: 'credit_note', permission: 'rak_credit_note_read' },
  { name: 'CustomerBalanceTransaction', append: null, objectType: null, eventPrefix: null, permission: 'rak_customer_read' },
  { name: 'CustomerPaymentMethod', append: null, objectType: 'payment_method', eventPrefix: 'payment_method', permission: 'rak_payment_method_read' },
  { name: 'Coupon', append: CREATED, objectType: 'coupon', eventPrefix: 'coupon', permission: 'rak_coupon_read' },
  { name: 'Discount', append: { field: 'start', label: 'start' }, objectType: 'discount', eventPrefix: 'customer.discount', webhookOnly: true, permission: 'rak_coupon_read' },
  { name: 'PaymentIntent', append: CREATED, objectType: 'payment_intent', eventPrefix: 'payment_intent', permission: 'rak_payment_intent_read' },
  { name: 'CheckoutSession', append: CREATED, objectType: 'checkout.session', eventPrefix: 'checkout.session', permission: 'rak_checkout_session_read' },
  { name: 'SubscriptionItem', append: null, objectType: null, eventPrefix: null, permission: 'rak_subscription_read' },
  { name: 'SubscriptionSchedule', append: CREATED, objectType: 'subscription_schedule', eventPrefix: 'subscription_schedule', permission: 'rak_subscription_read' },
  { name: 'PromotionCode', append: CREATED, objectType: 'promotion_code', eventPrefix: 'promotion_code', permission: 'rak_promotion_code_read' },
  { name: 'Plan', append: CREATED, objectType: 'plan', eventPrefix: 'plan', permission: 'rak_plan_read' },
  { name: 'TaxRate', append: CREATED, objectType: 'tax_rate', eventPrefix: 'tax_rate', permission: 'rak_tax_rate_read' },
  { name: 'TaxId', append: null, objectType: 'tax_id', eventPrefix: 'customer.tax_id', permission: 'rak_customer_read' },
  { name: 'Quote', append: null, objectType: 'quote', eventPrefix: 'quote', permission: 'rak_quote_read' },
  { name: 'Event', append: CREATED, objectType: null, eventPrefix: null, permission: 'rak_event_read' },
  { name: 'BillingMeter', append: null, objectType: 'billing.meter', eventPrefix: 'billing.meter', permission: 'rak_billing_meter_read' },
  { name: 'BillingCreditGrant', append: null, objectType: 'billing.credit_grant', eventPrefix: 'billing.credit_grant', permission: 'rak_billing_credit_grant_read' },
  { name: 'BillingCreditBalanceTransaction', append: null, objectType: 'billing.credit_balance_transaction', eventPrefix: 'billing.credit_balance_transaction', permission: 'rak_billing_credit_read' },
  { name: 'BillingCreditBalanceSummary', append: null, objectType: null, eventPrefix: null, permission: 'rak_billing_credit_read' },
  { name: 'EntitlementsFeature', append: null, objectType: null, eventPrefix: null, permission: 'rak_entitlements_feature_read' },
  { name: 'EntitlementsActiveEntitlement', append: null, objectType: null, eventPrefix: null, permission: 'rak_entitlements_active_entitlement_read' },
  { name: 'InvoicePayment', append: CREATED, objectType: 'invoice_payment', eventPrefix: 'invoice_payment', permission: 'rak_invoice_read' },
  { name: 'SetupIntent', append: CREATED, objectType: 'setup_intent', eventPrefix: 'setup_intent', permission: 'rak_setup_intent_read' },
  { name: 'SetupAttempt', append: null, objectType: null, eventPrefix: null, permission: 'rak_setup_intent_read' },
  { name: 'PaymentLink', append: null, objectType: 'payment_link', eventPrefix: 'payment_link', permission: 'rak_payment_link_read' },
  { name: 'Transfer', append: CREATED, objectType: 'transfer', eventPrefix: 'transfer', permission: 'rak_transfer_read' },
  { name: 'ApplicationFee', append: CREATED, objectType: 'application_fee', eventPrefix: 'application_fee', permission: 'rak_application_fee_read' },
  { name: 'Topup', append: CREATED, objectType: 'topup', eventPrefix: 'topup', permission: 'rak_topup_read' },
  { name: 'Review', append: CREATED, objectType: 'review', eventPrefix: 'review', permission: 'rak_review_read' },
  { name: 'EarlyFraudWarning', append: CREATED, objectType: 'radar.early_fraud_warning', eventPrefix: 'radar.early_fraud_warning', permission: 'rak_radar_read' },
  { name: 'ShippingRate', append: CREATED, objectType: null, eventPrefix: null, permission: 'rak_shipping_rate_read' },
];

/** A subset of the Stripe SDK's `enabled_events` literal: the events whose prefixes PostHog subscribes to. */
const STRIPE_EVENT_TYPES: readonly string[] = [
  'account.updated', 'account.application.authorized', 'account.application.deauthorized', 'account.external_account.created',
  'account.external_account.deleted', 'account.external_account.updated', 'application_fee.created', 'application_fee.refunded',
  'application_fee.refund.updated', 'billing.credit_balance_transaction.created', 'billing.credit_grant.created',
  'billing.credit_grant.updated', 'billing.meter.created', 'billing.meter.deactivated', 'billing.meter.reactivated',
  'billing.meter.updated', 'charge.captured', 'charge.expired', 'charge.failed', 'charge.pending', 'charge.refunded',
  'charge.succeeded', 'charge.updated', 'charge.dispute.closed', 'charge.dispute.created', 'charge.dispute.updated',
  'checkout.session.async_payment_failed', 'checkout.session.async_payment_succeeded', 'checkout.session.completed',
  'checkout.session.expired', 'coupon.created', 'coupon.deleted', 'coupon.updated', 'credit_note.created', 'credit_note.updated',
  'credit_note.voided', 'customer.created', 'customer.deleted', 'customer.updated', 'customer.discount.created',
  'customer.discount.deleted', 'customer.discount.updated', 'customer.subscription.created', 'customer.subscription.deleted',
  'customer.subscription.paused', 'customer.subscription.resumed', 'customer.subscription.trial_will_end',
  'customer.subscription.updated', 'customer.tax_id.created', 'customer.tax_id.deleted', 'customer.tax_id.updated',
  'dispute.closed', 'dispute.created', 'dispute.updated', 'invoice.created', 'invoice.deleted', 'invoice.finalized',
  'invoice.marked_uncollectible', 'invoice.paid', 'invoice.payment_failed', 'invoice.payment_succeeded', 'invoice.sent',
  'invoice.updated', 'invoice.voided', 'invoice_payment.paid', 'invoiceitem.created', 'invoiceitem.deleted',
  'payment_intent.amount_capturable_updated', 'payment_intent.canceled', 'payment_intent.created',
  'payment_intent.payment_failed', 'payment_intent.processing', 'payment_intent.succeeded', 'payment_link.created',
  'payment_link.updated', 'payment_method.attached', 'payment_method.detached', 'payment_method.updated', 'payout.canceled',
  'payout.created', 'payout.failed', 'payout.paid', 'payout.updated', 'plan.created', 'plan.deleted', 'plan.updated',
  'price.created', 'price.deleted', 'price.updated', 'product.created', 'product.deleted', 'product.updated',
  'promotion_code.created', 'promotion_code.updated', 'quote.accepted', 'quote.canceled', 'quote.created', 'quote.finalized',
  'radar.early_fraud_warning.created', 'radar.early_fraud_warning.updated', 'refund.created', 'refund.failed', 'refund.updated',
  'review.closed', 'review.opened', 'setup_intent.canceled', 'setup_intent.created', 'setup_intent.setup_failed',
  'setup_intent.succeeded', 'subscription_schedule.canceled', 'subscription_schedule.completed', 'subscription_schedule.created',
  'subscription_schedule.updated', 'tax_rate.created', 'tax_rate.updated', 'topup.canceled', 'topup.created', 'topup.failed',
  'topup.succeeded', 'transfer.created', 'transfer.reversed', 'transfer.updated',
];

/** `_all_known_webhook_events()`: every event under any subscribed prefix, not just the selected tables' (API.md §7). */
export function allKnownWebhookEvents(): string[] {
  const prefixes = RESOURCES.flatMap((r) => (r.eventPrefix ? [r.eventPrefix] : []));
  return STRIPE_EVENT_TYPES.filter((event) => prefixes.some((prefix) => event.startsWith(`${prefix}.`)));
}

/** RESOURCE_TO_STRIPE_OBJECT_TYPE: the schema_mapping key for a webhook table. */
export function stripeObjectType(resource: string): string | null {
  return RESOURCES.find((r) => r.name === resource)?.objectType ?? null;
}

/** The API key (or OAuth integration) a Stripe payload authenticates with. */
export function stripeAuth(config: Record<string, unknown>): { kind: 'api_key'; key: string } | { kind: 'oauth'; integrationId: unknown } {
  const auth = (config.auth_method ?? {}) as Record<string, unknown>;
  if (auth.selection === 'oauth') return { kind: 'oauth', integrationId: auth.stripe_integration_id };
  return { kind: 'api_key', key: typeof auth.stripe_secret_key === 'string' ? auth.stripe_secret_key.trim() : '' };
}

function maskedKey(key: string): string {
  return `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`;
}

/** Stripe's own missing-permission text for a restricted key (what PostHog's probe surfaces). */
function missingScopeText(key: string, permission: string): string {
  return (
    `The provided key '${maskedKey(key)}' does not have the required permissions for this endpoint on account 'acct_emulator'. ` +
    `Having the '${permission}' permission would allow this request to continue.`
  );
}

function entryFor(resource: StripeResource, permissionError: string | null, cdcEnabledForTeam: boolean): DiscoveredTable {
  const fields: IncrementalField[] = resource.append
    ? [{ label: resource.append.label, type: 'datetime', field: resource.append.field, field_type: 'integer' }]
    : [];
  return {
    table: resource.name,
    label: null,
    should_sync: false,
    incremental_fields: fields,
    incremental_available: false,
    append_available: resource.append !== null,
    // cdc_available is null unless the team has the CDC flag; Stripe never supports CDC (API.md §5).
    cdc_available: cdcEnabledForTeam ? false : null,
    xmin_available: null,
    incremental_field: fields[0]?.field ?? null,
    sync_type: null,
    rows: null,
    supports_webhooks: resource.eventPrefix !== null || resource.webhookOnly === true,
    webhook_only: resource.webhookOnly === true,
    description: null,
    should_sync_default: true,
    available_columns: [],
    detected_primary_keys: null,
    primary_key_detection_supported: false,
    permission_error: permissionError,
    rls_warning: null,
  };
}

export function createStripeDriver(accounts: Record<string, StripeAccount>, integrations: Record<number, string>): SourceDriver {
  function account(config: Record<string, unknown>): { key: string; account: StripeAccount } | null {
    const auth = stripeAuth(config);
    if (auth.kind === 'oauth') return integrations[Number(auth.integrationId)] === 'stripe' ? { key: 'oauth', account: {} } : null;
    const found = accounts[auth.key];
    return found ? { key: auth.key, account: found } : null;
  }

  return {
    async validateCredentials(config) {
      if (!account(config)) {
        const auth = stripeAuth(config);
        // An OAuth integration that doesn't exist has no Stripe text; PostHog falls back to its generic one.
        throw new DriverError(
          auth.kind === 'oauth' ? "We couldn't validate those credentials. Check they're correct and have the required access, then try again." : STRIPE_KEY_REJECTED,
        );
      }
    },
    async discover(config, { cdcEnabledForTeam }) {
      const found = account(config);
      if (!found) throw new DriverError('Could not authenticate with the source. Check the connection credentials.');
      const denied = new Set(found.account.deniedResources ?? []);
      return RESOURCES.map((r) => entryFor(r, denied.has(r.name) ? missingScopeText(found.key, r.permission) : null, cdcEnabledForTeam));
    },
  };
}

/** Whether the key behind this Stripe config may read webhook endpoints (Stripe's 'Read', or 'Write' which includes it). */
export function stripeWebhookRead(config: Record<string, unknown>, accounts: Record<string, StripeAccount>): boolean {
  const auth = stripeAuth(config);
  if (auth.kind === 'oauth') return false;
  const account = accounts[auth.key];
  return account?.webhookWrite === true || account?.webhookRead === true;
}

/** Whether the key behind this Stripe config may create webhook endpoints; null = OAuth (no such permission). */
export function stripeWebhookWrite(config: Record<string, unknown>, accounts: Record<string, StripeAccount>): boolean | null {
  const auth = stripeAuth(config);
  if (auth.kind === 'oauth') return null;
  return accounts[auth.key]?.webhookWrite === true;
}
