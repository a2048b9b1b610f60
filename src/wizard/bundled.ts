import snapshot from '../../schemas/wizard.snapshot.json' with { type: 'json' };
import type { WizardResponse } from './types.js';

/** The wizard snapshot the committed schema was generated from; lint and init work offline from it. */
export const bundledWizard = snapshot as unknown as WizardResponse;
