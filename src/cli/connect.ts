import type { PostHogClient } from '../posthog/index.js';
import type { WizardResponse } from '../wizard/types.js';
import type { DwctlCommand } from './base-command.js';

/** The connection flags a command offers, and the `posthog:` block of the file when there is one. */
export interface ConnectionInputs {
  host?: string | undefined;
  project?: string | undefined;
  file?: { host?: string; project_id?: number | string } | undefined;
}

/**
 * A client for the command's connection settings (flags > environment > file), with its masker and
 * verbose log. The client (and undici) is loaded only here, on demand, so offline commands such as
 * `lint` never pay for it at start-up.
 */
export async function connect(command: DwctlCommand, inputs: ConnectionInputs): Promise<PostHogClient> {
  const { createClient, resolveConnection } = await import('../posthog/index.js');
  const context = command.context;
  const settings = resolveConnection({ flags: { host: inputs.host, project: inputs.project }, env: context.env, file: inputs.file });
  command.masker.add(settings.apiKey);
  const verbose = command.context.env.DWCTL_DEBUG === '1' || (command as unknown as { verbose?: boolean }).verbose === true;
  return createClient({
    host: settings.host,
    projectId: settings.projectId,
    apiKey: settings.apiKey,
    masker: command.masker,
    ...(verbose ? { log: (line: string) => context.stderr.write(`${command.masker.mask(line)}\n`) } : {}),
  });
}

export async function fetchLiveWizard(command: DwctlCommand & ConnectionInputs): Promise<WizardResponse> {
  const client = await connect(command, { host: command.host, project: command.project });
  return client.wizard();
}
