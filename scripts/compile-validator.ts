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
  return `${code(ajv, validate)}\nexport function bundledValidator() { return validate; }\n`;
}
