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
};

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

export function createAjv(extra: Options = {}): Ajv {
  const ajv = new Ajv({ ...AJV_OPTIONS, ...extra });
  addFormats(ajv);
  return ajv;
}

export function compileValidator(schema: JsonSchema): ValidateFunction {
  return createAjv().compile(schema);
}
