/**
 * `npm run emulator`: a local PostHog emulator until SIGINT/SIGTERM.
 *   --port <n>          listen port (default: a free one)
 *   --stripe-key <key>  a Stripe key the emulated Stripe accepts, with webhook write access (repeatable)
 */
import { parseArgs } from 'node:util';

import { startEmulator } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'stripe-key': { type: 'string', multiple: true },
  },
});

const stripeKeys = Object.fromEntries((values['stripe-key'] ?? ['rk_test_emulator']).map((key) => [key, { webhookWrite: true }]));
const emulator = await startEmulator({
  port: values.port ? Number(values.port) : 0,
  stripeKeys,
  log: (line) => process.stderr.write(`${line}\n`),
});

process.stdout.write(`PostHog emulator listening on ${emulator.url}\n`);
process.stdout.write(`project id: ${emulator.projectId}\npersonal API key: phx_test_key\nStripe keys: ${Object.keys(stripeKeys).join(', ')}\n`);

const stop = () => {
  void emulator.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
