import type { Rule } from '../rule.js';
import { duplicateSource } from './duplicate-source.js';
import { plaintextSecret } from './plaintext-secret.js';
import { prefix } from './prefix.js';
import { prefixRepeatsType } from './prefix-repeats-type.js';
import { references } from './references.js';
import { sourceLifecycle } from './source-lifecycle.js';
import { sourceTypeNotices } from './source-type.js';
import { cdcSupport, incrementalField, primaryKeyStored, selfManagedCdc, webhookSupport } from './tables.js';

/** The semantic rules lint runs after the schema, in this order. */
export const RULES: readonly Rule[] = [
  references,
  plaintextSecret,
  prefix,
  prefixRepeatsType,
  duplicateSource,
  sourceLifecycle,
  incrementalField,
  webhookSupport,
  cdcSupport,
  selfManagedCdc,
  primaryKeyStored,
  sourceTypeNotices,
];
