import type { PostHogClient } from '../posthog/index.js';
import type { WizardResponse } from '../wizard/types.js';
import type { RemoteCommand } from './base-command.js';
import { terminalText } from '../sanitize.js';

/** The `posthog:` block of the file, when there is one. */
export type FileConnection = { host?: string; project_id?: number | string } | undefined;

/**
 * A client for the command's connection settings (flags > environment > file), with its masker and
 * verbose log. The client (and undici) is loaded only here, on demand, so offline commands such as
 * `lint` never pay for it at start-up.
 */
export async function connect(command: RemoteCommand, file?: FileConnection): Promise<PostHogClient> {
  const { DEFAULT_REQUEST_TIMEOUT_MS, createClient, proxyDispatcher, proxySettings, resolveConnection, resolveRequestTimeout } = await import('../posthog/index.js');
  const context = command.context;
  const settings = resolveConnection({ flags: { host: command.host, project: command.project }, env: context.env, file });
  command.masker.add(settings.apiKey);
  const timeoutMs = resolveRequestTimeout(command.requestTimeout, context.env);
  // HTTPS_PROXY / HTTP_PROXY / NO_PROXY (and lower-case forms) from the environment dwctl was given.
  const proxy = proxySettings(context.env);
  for (const secret of proxy?.secrets ?? []) command.masker.add(secret);
  const dispatcher = proxyDispatcher(proxy, {}, timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  const verbose = command.context.env.DWCTL_DEBUG === '1' || (command as unknown as { verbose?: boolean }).verbose === true;
  return createClient({
    host: settings.host,
    projectId: settings.projectId,
    apiKey: settings.apiKey,
    masker: command.masker,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(dispatcher ? { dispatcher } : {}),
    // Long waits (rate limits, Retry-After) are announced whatever the verbosity: silence looks like a hang.
    // They name PostHog's path and headers, so they pass the terminal sanitiser like the verbose log.
    notice: (line: string) => context.stderr.write(`${terminalText(command.masker.mask(line))}\n`),
    ...(verbose ? { log: (line: string) => context.stderr.write(`${terminalText(command.masker.mask(line))}\n`) } : {}),
  });
}

export async function fetchLiveWizard(command: RemoteCommand): Promise<WizardResponse> {
  const client = await connect(command);
  return client.wizard();
}
