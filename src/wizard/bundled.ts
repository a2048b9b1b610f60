import snapshot from '../../schemas/wizard.snapshot.json' with { type: 'json' };
import { buildCatalog, type SourceCatalog } from './catalog.js';
import type { WizardResponse } from './types.js';

/** The wizard snapshot the committed schema was generated from; lint and init work offline from it. */
export const bundledWizard = snapshot as unknown as WizardResponse;

let catalog: SourceCatalog | undefined;

export function bundledCatalog(): SourceCatalog {
  catalog ??= buildCatalog(bundledWizard);
  return catalog;
}
