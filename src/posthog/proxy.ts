import { EnvHttpProxyAgent, Pool, type Dispatcher } from 'undici';
import { ConnectionSettingsError } from '../errors.js';

/**
 * The proxy settings of the environment, as curl and most tools read them: the lower-case name first,
 * then the upper-case one. Read from the environment dwctl was given (never `process.env` behind the
 * caller's back), so tests and the CLI agree.
 */
export interface ProxySettings {
  /** Proxy for http:// hosts (HTTP_PROXY); also for https:// hosts when HTTPS_PROXY is not set. */
  httpProxy: string;
  /** Proxy for https:// hosts (HTTPS_PROXY), reached with a CONNECT tunnel, so TLS runs end to end. */
  httpsProxy: string;
  /** Hosts that bypass the proxy (NO_PROXY): comma-separated names, `.domain` suffixes, `host:port`, or `*`. */
  noProxy: string;
  /** Passwords in the proxy URLs, to register with the masker. */
  secrets: string[];
}

function firstSet(env: Record<string, string | undefined>, names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

function checkProxyUrl(setting: { name: string; value: string } | undefined, secrets: string[]): string {
  if (!setting) return '';
  // A bare "proxy:3128" means http://proxy:3128, as curl reads it.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(setting.value) ? setting.value : `http://${setting.value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    // The value is not quoted: a proxy URL can carry a password.
    throw new ConnectionSettingsError(`${setting.name} is not a valid proxy URL. Use http://HOST:PORT (or http://USER:PASSWORD@HOST:PORT).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConnectionSettingsError(`${setting.name} uses ${url.protocol.replace(/:$/, '')}://, which dwctl does not support as a proxy. Use an http:// or https:// proxy URL.`);
  }
  if (url.password) secrets.push(url.password, decodeURIComponent(url.password));
  return url.href;
}

/** The proxy settings in `env`, or undefined when none of the variables is set. */
export function proxySettings(env: Record<string, string | undefined>): ProxySettings | undefined {
  const secrets: string[] = [];
  const httpProxy = checkProxyUrl(firstSet(env, ['http_proxy', 'HTTP_PROXY']), secrets);
  const httpsProxy = checkProxyUrl(firstSet(env, ['https_proxy', 'HTTPS_PROXY']), secrets);
  const noProxy = firstSet(env, ['no_proxy', 'NO_PROXY'])?.value ?? '';
  if (!httpProxy && !httpsProxy) return undefined;
  return { httpProxy, httpsProxy, noProxy, secrets };
}

/**
 * A dispatcher that sends requests through the environment's proxy (undici's EnvHttpProxyAgent: https
 * through a CONNECT tunnel, NO_PROXY honoured), or undefined when no proxy is configured. `agentOptions`
 * is for tests (a throwaway CA to trust). `timeoutMs` bounds the proxy's own answer: undici does not pass the
 * request's abort signal to the CONNECT it sends first, so without it a proxy that accepts the connection and
 * never answers would hold dwctl for undici's 300 s default, whatever --request-timeout says.
 */
export function proxyDispatcher(settings: ProxySettings | undefined, agentOptions: Record<string, unknown> = {}, timeoutMs?: number): Dispatcher | undefined {
  if (!settings) return undefined;
  const bounded =
    timeoutMs === undefined
      ? {}
      : {
          clientFactory: (origin: URL, options: object) => new Pool(origin, { ...options, headersTimeout: timeoutMs }),
          proxyTls: { timeout: timeoutMs, ...(agentOptions.proxyTls as object | undefined) },
        };
  // Empty strings, not undefined: undici would otherwise fall back to process.env, which is not ours to read.
  return new EnvHttpProxyAgent({ ...agentOptions, ...bounded, httpProxy: settings.httpProxy, httpsProxy: settings.httpsProxy, noProxy: settings.noProxy });
}
