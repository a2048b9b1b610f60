import { UsageProblem } from '../errors.js';
import type { WizardResponse } from '../wizard/types.js';
import type { DwctlCommand } from './base-command.js';

/** Placeholder until the PostHog client lands: the live wizard needs it. */
export async function fetchLiveWizard(_command: DwctlCommand): Promise<WizardResponse> {
  throw new UsageProblem('Fetching the live wizard is not available yet: pass --wizard FILE.');
}
