/**
 * The parts of the `yaml` package that commands load on demand (never on lint's start-up path). Commands import
 * this module dynamically instead of `import('yaml')` itself: bundled by esbuild, a dynamic import of that
 * CommonJS package yields only a default export, so `const { parseDocument } = await import('yaml')` worked under
 * tsx and was undefined in dist/ ("g is not a function"). A static re-export gets esbuild's interop.
 */
export { isMap, parseDocument, YAMLMap } from 'yaml';
