// Build the CLI: compile the JSON Schema validator to standalone code, then bundle everything
// (dependencies included) into dist/cli.js so `dwctl lint` loads one file and compiles nothing.
import { build } from 'esbuild';
import { mkdir, readFile, writeFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { tsImport } from 'tsx/esm/api';
import { spawnSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const generated = join(root, 'dist', '.generated', 'bundled-validator.mjs');

await rm(join(root, 'dist'), { recursive: true, force: true });
await mkdir(dirname(generated), { recursive: true });
const schema = JSON.parse(await readFile(join(root, 'schemas', 'warehouse.schema.json'), 'utf8'));
const { compileStandalone } = await tsImport('./compile-validator.ts', import.meta.url);
await writeFile(generated, compileStandalone(schema));

/** Swap the runtime-compiling validator module for the generated one. */
const precompiledValidator = {
  name: 'precompiled-validator',
  setup(b) {
    b.onResolve({ filter: /bundled-validator\.js$/ }, () => ({ path: generated }));
  },
};

const result = await build({
  entryPoints: { cli: join(root, 'src', 'cli', 'run.ts') },
  outdir: join(root, 'dist'),
  // Commands that talk to PostHog load the client lazily; splitting keeps it (and undici) out of
  // the start-up path of offline commands such as `lint`.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  plugins: [precompiledValidator],
  // Bundled CommonJS dependencies (ajv) still call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __dwctlCreateRequire } from 'node:module'; const require = __dwctlCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  metafile: Boolean(process.env.DWCTL_BUILD_META),
});
// `dwctl lint` has a bundle of its own: one CommonJS file (no chunks to resolve) that bin/lint.cjs compiles
// from a V8 code cache, made below by running it.
await build({
  entryPoints: [join(root, 'src', 'cli', 'lint-entry.ts')],
  outfile: join(root, 'dist', 'lint.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  plugins: [precompiledValidator],
  logLevel: 'warning',
});
await rm(dirname(generated), { recursive: true, force: true });
const training = spawnSync(process.execPath, [join(root, 'scripts', 'train-lint-cache.cjs')], { stdio: 'inherit' });
if (training.status !== 0) throw new Error(`making lint's code cache failed (exit ${training.status ?? training.signal})`);

// DWCTL_BUILD_META=1 npm run build: print what each output file holds, by package, to check that the
// start-up chunk (dist/cli.js) carries only what `lint` needs.
if (process.env.DWCTL_BUILD_META) {
  for (const [output, info] of Object.entries(result.metafile.outputs)) {
    if (output.endsWith('.map')) continue;
    const byOrigin = {};
    for (const [input, { bytesInOutput }] of Object.entries(info.inputs)) {
      const origin = input.includes('node_modules/') ? input.split('node_modules/').pop().split('/')[0] : input.includes('.generated') ? '(precompiled validator)' : input.replace(/^(src\/[^/]+|schemas)\/.*$/, '$1');
      byOrigin[origin] = (byOrigin[origin] ?? 0) + bytesInOutput;
    }
    const parts = Object.entries(byOrigin).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(v / 1024).toFixed(0)}K`);
    console.log(`${output} ${(info.bytes / 1024).toFixed(0)}K: ${parts.join(', ')}`);
  }
}
