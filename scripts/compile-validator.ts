import standaloneCode from 'ajv/dist/standalone/index.js';
import { _ } from 'ajv';
import { createAjv, FORMATS_MODE, withoutAnnotations } from '../src/schema/ajv.js';
import type { JsonSchema } from '../src/schema/generate.js';

/**
 * Compile the schema to standalone ESM validation code at build time, with the same options the
 * runtime uses, so the built CLI starts without compiling anything. Formats come from ajv-formats'
 * own module, which the bundler then includes.
 */
export function compileStandalone(schema: JsonSchema): string {
  const ajv = createAjv({ code: { source: true, esm: true, formats: _`require("ajv-formats/dist/formats").${FORMATS_MODE === 'fast' ? _`fastFormats` : _`fullFormats`}` } });
  const validate = ajv.compile(withoutAnnotations(schema));
  // ajv/dist/standalone is CommonJS with the function as its default export.
  type Standalone = (ajv: unknown, validate: unknown) => string;
  const module = standaloneCode as unknown as { default?: Standalone } & Standalone;
  const code: Standalone = module.default ?? module;
  return `${linearErrorCollection(code(ajv, validate))}\nexport function bundledValidator() { return validate; }\n`;
}

/**
 * ajv's generated code gathers a referenced schema's errors with `vErrors = vErrors.concat(ref.errors)`, which
 * copies every error found so far at each failing reference: with allErrors, a file with thousands of invalid
 * sources or tables (a pull request can write one) took seconds to minutes. Appending in place gives the same
 * errors in the same order in linear time. Any other use of concat fails the build, so a new ajv's code is
 * looked at rather than silently left quadratic.
 */
export function linearErrorCollection(code: string): string {
  const pattern = /vErrors = vErrors === null \? (\w+)\.errors : vErrors\.concat\(\1\.errors\);/g;
  const out = code.replace(pattern, (_, ref: string) => `if (vErrors === null) vErrors = ${ref}.errors; else for (const refError of ${ref}.errors) vErrors.push(refError);`);
  if (out.includes('.concat(')) throw new Error('compile-validator: the generated validator gathers errors with concat in a form this build does not rewrite; update linearErrorCollection');
  return out;
}
