import { cdcSourceTypes, primaryKeySource } from '../../sources/index.js';
import { SYNC_TYPES, type SyncType } from '../../wizard/catalog.js';
import { tablesOf, type Rule } from '../rule.js';

const cdcTypesText = (): string => cdcSourceTypes().join(' and ');

/** incremental and append need the field that orders rows; PostHog refuses the create without it. */
export const incrementalField: Rule = {
  id: 'incremental-field',
  codes: ['incremental-field-required'],
  check(context) {
    for (const source of context.sources) {
      for (const [table, entry] of tablesOf(source)) {
        const sync = entry.sync;
        if ((sync === 'incremental' || sync === 'append') && (entry.incremental_field === undefined || entry.incremental_field === null)) {
          context.report(
            'incremental-field-required',
            `Table "${table}" syncs by ${sync} but has no incremental_field: name the column that orders its rows (run \`dwctl discover ${source.name}\` to see the candidates).`,
            ['sources', source.name, 'tables', table, 'sync'],
          );
        }
      }
    }
  },
};

/** Webhook sync only where the wizard lists webhookFields (Stripe today). */
export const webhookSupport: Rule = {
  id: 'webhook-support',
  codes: ['webhook-unsupported'],
  check(context) {
    for (const source of context.sources) {
      if (!source.info || source.info.supportsWebhooks) continue;
      const type = source.info.name;
      for (const [table, entry] of tablesOf(source)) {
        if (entry.sync === 'webhook') {
          context.report(
            'webhook-unsupported',
            `Table "${table}": ${type} sources have no webhooks, so "sync: webhook" is not possible; use ${source.info.syncTypes.join(', ')}.`,
            ['sources', source.name, 'tables', table, 'sync'],
          );
        }
      }
      if ('webhook' in source.value) {
        context.report('webhook-unsupported', `${type} sources have no webhooks: remove the webhook block.`, ['sources', source.name, 'webhook'], 'key');
      }
    }
  },
};

/** CDC and xmin exist only for the types whose source module has a CDC dialect (Postgres in PostHog's code). */
export const cdcSupport: Rule = {
  id: 'cdc-support',
  codes: ['cdc-unsupported'],
  check(context) {
    for (const source of context.sources) {
      if (!source.info || source.info.supportsCdc) continue;
      const type = source.info.name;
      for (const [table, entry] of tablesOf(source)) {
        if (entry.sync === 'cdc' || entry.sync === 'xmin') {
          context.report(
            'cdc-unsupported',
            `Table "${table}": "sync: ${String(entry.sync)}" is only available for ${cdcTypesText()} sources; ${type} offers ${source.info.syncTypes.join(', ')}.`,
            ['sources', source.name, 'tables', table, 'sync'],
          );
        }
      }
      if ('cdc' in source.value) {
        context.report('cdc-unsupported', `Change data capture is only available for ${cdcTypesText()} sources: remove the cdc block.`, ['sources', source.name, 'cdc'], 'key');
      }
    }
  },
};

/** Self-managed CDC reads an existing publication (API.md §8); PostHog cannot guess its name. */
export const selfManagedCdc: Rule = {
  id: 'self-managed-cdc',
  codes: ['missing-property'],
  check(context) {
    for (const source of context.sources) {
      const cdc = source.value.cdc;
      if (!source.info?.supportsCdc || typeof cdc !== 'object' || cdc === null) continue;
      const settings = cdc as Record<string, unknown>;
      if (settings.management !== 'self_managed') continue;
      const missing = ['publication_name', 'slot_name'].filter((key) => typeof settings[key] !== 'string');
      if (missing.length > 0) {
        context.report('missing-property', `Self-managed CDC needs ${missing.map((k) => `cdc.${k}`).join(' and ')}: the ones you created for PostHog.`, ['sources', source.name, 'cdc'], 'key');
      }
    }
  },
};

/**
 * PostHog stores primary_key_columns only for incremental and append tables; CDC reads the keys from the
 * database, and full_refresh, xmin and webhook tables store none (API.md §12). A key declared there is never
 * used, so it is not compared either (no permanent diff): say so rather than let it look effective.
 */
export const primaryKeyStored: Rule = {
  id: 'primary-key-stored',
  codes: ['primary-key-not-stored'],
  check(context) {
    for (const source of context.sources) {
      for (const [table, entry] of tablesOf(source)) {
        // A key of the wrong type is the schema's finding (invalid-value), not this rule's.
        if (!Array.isArray(entry.primary_key) || !SYNC_TYPES.includes(entry.sync as SyncType)) continue;
        const stored = primaryKeySource(entry.sync as SyncType);
        if (stored === 'declared-or-detected') continue;
        const why =
          stored === 'detected'
            ? 'CDC tables take the primary key PostHog reads from the database'
            : `PostHog stores no primary key for ${String(entry.sync)} tables`;
        context.report(
          'primary-key-not-stored',
          `Table "${table}": ${why}, so this primary_key is not sent or compared. Remove it, or use it with incremental or append sync.`,
          ['sources', source.name, 'tables', table, 'primary_key'],
          'key',
        );
      }
    }
  },
};
