/**
 * `npm run emulator`: a local PostHog emulator until SIGINT/SIGTERM.
 *   --port <n>          listen port (default: a free one)
 *   --stripe-key <key>  a Stripe key the emulated Stripe accepts, with webhook write access (repeatable)
 *   --bulk-update-scope none|write
 *                       `none` (default, newest PostHog): bulk_update_schemas refuses scoped personal API keys
 *                       with 403; `write`: it is a write action (API.md §12)
 */
import { parseArgs } from 'node:util';

import { startEmulator } from './server.js';

const USAGE = `usage: npm run emulator -- [--port N] [--stripe-key KEY]... [--bulk-update-scope none|write]
  --port N                 listen port (default: a free one)
  --stripe-key KEY         a Stripe key the emulated Stripe accepts, with webhook write access (repeatable)
  --bulk-update-scope S    none (default, newest PostHog: bulk_update_schemas refuses scoped personal keys
                           with 403) or write (a write action), API.md §12
`;

let values: { port?: string; 'stripe-key'?: string[]; 'bulk-update-scope'?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string' },
      'stripe-key': { type: 'string', multiple: true },
      'bulk-update-scope': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const bulkScope = values['bulk-update-scope'] ?? 'none';
if (bulkScope !== 'none' && bulkScope !== 'write') {
  process.stderr.write('--bulk-update-scope must be none or write\n');
  process.exit(2);
}

const stripeKeys = Object.fromEntries((values['stripe-key'] ?? ['rk_test_emulator']).map((key) => [key, { webhookWrite: true }]));
const emulator = await startEmulator({
  port: values.port ? Number(values.port) : 0,
  stripeKeys,
  bulkUpdateSchemasScope: bulkScope,
  log: (line) => process.stderr.write(`${line}\n`),
});

process.stdout.write(`PostHog emulator listening on ${emulator.url}\n`);
process.stdout.write(`project id: ${emulator.projectId}\npersonal API key: phx_test_key\nStripe keys: ${Object.keys(stripeKeys).join(', ')}\n`);

const stop = () => {
  void emulator.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
