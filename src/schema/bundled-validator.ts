import type { ValidateFunction } from 'ajv';
import schema from '../../schemas/warehouse.schema.json' with { type: 'json' };
import { compileValidator } from './ajv.js';

/**
 * The validator for the committed schema. In the built CLI this module is replaced by code that ajv
 * generated at build time (scripts/build.mjs), so a lint run compiles nothing; tests and tsx runs
 * compile it here, from the same schema with the same options.
 */
let validator: ValidateFunction | undefined;

export function bundledValidator(): ValidateFunction {
  validator ??= compileValidator(schema);
  return validator;
}
