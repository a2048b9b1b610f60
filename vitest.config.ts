import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests start servers (the emulator, Postgres) on free ports; forks keep native handles isolated.
    pool: 'forks',
    // clipanion 3's ESM build imports '../platform' as a directory, which Node's ESM loader refuses;
    // letting vite transform it resolves the import the way bundlers do.
    server: { deps: { inline: ['clipanion'] } },
  },
});
