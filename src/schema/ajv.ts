import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { JsonSchema } from './generate.js';

/**
 * The one set of ajv options, shared by runtime compilation (tests, `--schema FILE`) and the build's
 * standalone code generation, so both validate identically. `verbose` keeps each error's parent schema:
 * "did you mean" needs the allowed keys of the object that had the unknown one.
 */
export const AJV_OPTIONS: Options = {
  allErrors: true,
  verbose: true,
  strict: true,
  strictRequired: false,
  allowUnionTypes: true,
  // Each $ref (table and config definitions, shared by many source types) becomes one function instead of a
  // copy per use: a third less generated code for lint to load.
  inlineRefs: false,
};

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv, options: { mode: 'fast' | 'full' }) => Ajv;

/**
 * ajv-formats' "fast" set: the schema's one format is `uri` (posthog.host), whose full RFC 3986 regex costs
 * lint more to compile than the rest of a typical run; dwctl checks the host itself when it connects
 * (https only, except localhost), so the fast form (a scheme, then no spaces) is enough here.
 */
export const FORMATS_MODE = 'fast';

export function createAjv(extra: Options = {}): Ajv {
  const ajv = new Ajv({ ...AJV_OPTIONS, ...extra });
  addFormats(ajv, { mode: FORMATS_MODE });
  return ajv;
}

export function compileValidator(schema: JsonSchema): ValidateFunction {
  return createAjv().compile(withoutAnnotations(schema));
}

/** Keywords that only describe (editors show them); validation and lint's messages never read them. */
const ANNOTATIONS = new Set(['title', 'description', 'examples', 'default', '$comment']);
/** Keywords whose value maps names to schemas: the names are data (a property may be called "description"). */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas']);
/** Keywords whose value is data, not a schema. */
const DATA = new Set(['const', 'enum', 'required']);

/**
 * The schema as the validator needs it: without titles, descriptions and examples. With `verbose`, ajv's
 * generated code embeds each object schema it reports errors against; the annotations were most of the
 * validator's size, and so of lint's start-up (the build compiles this form too: scripts/compile-validator.ts).
 */
export function withoutAnnotations(schema: JsonSchema): JsonSchema {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (ANNOTATIONS.has(key)) continue;
      if (DATA.has(key)) out[key] = value;
      else if (SCHEMA_MAPS.has(key) && value !== null && typeof value === 'object') {
        out[key] = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([name, sub]) => [name, strip(sub)]));
      } else out[key] = strip(value);
    }
    return out;
  };
  return strip(schema) as JsonSchema;
}
