import { MockAgent, type Dispatcher } from 'undici';
import { SecretMasker } from '../../src/secrets.js';
import { createClient, type ClientOptions, type PostHogClient } from '../../src/posthog/index.js';

export const HOST = 'https://ph.test';
export const PROJECT = '4242';
export const API_KEY = 'phx_test_personal_key_0123456789abcdef';
export const SOURCES = `/api/projects/${PROJECT}/external_data_sources`;
export const SCHEMAS = `/api/projects/${PROJECT}/external_data_schemas`;

/** A MockAgent that refuses real network access, with call history for assertions on what was sent. */
export function mockAgent(): MockAgent {
  const agent = new MockAgent({ enableCallHistory: true });
  agent.disableNetConnect();
  return agent;
}

export interface Harness {
  agent: MockAgent;
  pool: ReturnType<MockAgent['get']>;
  client: PostHogClient;
  masker: SecretMasker;
  /** Every verbose log line. */
  logs: string[];
  /** Every delay passed to the injected sleep. */
  sleeps: number[];
}

/**
 * A client on a MockAgent with instant sleeps (recorded), deterministic jitter (random = 0.5) and a fixed
 * clock, so retry delays can be asserted exactly.
 */
export function harness(overrides: Partial<ClientOptions> = {}, wrap?: (agent: MockAgent) => Dispatcher): Harness {
  const agent = mockAgent();
  const masker = new SecretMasker();
  const logs: string[] = [];
  const sleeps: number[] = [];
  const client = createClient({
    host: HOST,
    projectId: PROJECT,
    apiKey: API_KEY,
    masker,
    dispatcher: wrap ? wrap(agent) : agent,
    log: (line) => logs.push(line),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    now: () => NOW,
    ...overrides,
  });
  return { agent, pool: agent.get(HOST), client, masker, logs, sleeps };
}

/** The fixed clock of `harness`: 2026-01-15T10:00:00Z. */
export const NOW = Date.UTC(2026, 0, 15, 10, 0, 0);

/** Calls recorded by the agent, as `METHOD /path?query`. */
export function sent(agent: MockAgent): string[] {
  return (agent.getCallHistory()?.calls() ?? []).map((c) => `${c.method} ${new URL(c.fullUrl).pathname}${new URL(c.fullUrl).search}`);
}

/** An undici error as a connection failure produces it. */
export function netError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

/** Resolve `error` from a promise that must reject. */
export async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the promise to reject');
}
