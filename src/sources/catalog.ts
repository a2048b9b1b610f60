import { bundledWizard } from '../wizard/bundled.js';
import { buildCatalog, type SourceCatalog } from '../wizard/catalog.js';
import type { WizardResponse } from '../wizard/types.js';
import { cdcSourceTypes } from './index.js';

/**
 * The catalog: PostHog's wizard merged with the source modules' traits (which types have CDC comes from
 * the modules with a CDC dialect, nowhere else).
 */
export function catalogOf(wizard: WizardResponse): SourceCatalog {
  return buildCatalog(wizard, { cdcTypes: cdcSourceTypes() });
}

let bundled: SourceCatalog | undefined;

/** The catalog of the wizard snapshot the committed schema was generated from; lint and init work offline from it. */
export function bundledCatalog(): SourceCatalog {
  bundled ??= catalogOf(bundledWizard);
  return bundled;
}
