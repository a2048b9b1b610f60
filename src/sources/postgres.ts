import type { CdcDialect, CdcSettings, SourceModule } from './types.js';

/**
 * Postgres's CDC (API.md §2.3 create payload keys, §8 check_cdc_prerequisites, §2.12 enable_cdc). The file's
 * `cdc:` block maps to job_inputs keys here and nowhere else.
 */
const postgresCdc: CdcDialect = {
  defaultFrequency: '5min',
  defaultTableMode: 'consolidated',
  createInputs(cdc: CdcSettings | null) {
    return {
      cdc_enabled: true,
      cdc_management_mode: cdc?.management ?? 'posthog',
      ...(cdc?.slot_name ? { cdc_slot_name: cdc.slot_name } : {}),
      ...(cdc?.publication_name ? { cdc_publication_name: cdc.publication_name } : {}),
      ...(cdc?.auto_drop_slot != null ? { cdc_auto_drop_slot: cdc.auto_drop_slot } : {}),
    };
  },
  prerequisitesInputs(cdc: CdcSettings | null, tables: string[]) {
    return {
      cdc_management_mode: cdc?.management ?? 'posthog',
      tables,
      cdc_slot_name: cdc?.slot_name ?? null,
      cdc_publication_name: cdc?.publication_name ?? null,
    };
  },
  enableInputs(cdc: CdcSettings | null) {
    // enable_cdc reads `cdc_slot_name or None`: names are sent only when the file gives them.
    return {
      cdc_management_mode: cdc?.management ?? 'posthog',
      ...(cdc?.slot_name ? { cdc_slot_name: cdc.slot_name } : {}),
      ...(cdc?.publication_name ? { cdc_publication_name: cdc.publication_name } : {}),
      ...(cdc?.auto_drop_slot != null ? { cdc_auto_drop_slot: cdc.auto_drop_slot } : {}),
    };
  },
  enabledIn(jobInputs: Record<string, unknown>) {
    // PostHog's adapter.parse_cdc_config(...).enabled: the cdc_enabled flag enable_cdc / create store.
    return jobInputs.cdc_enabled === true || jobInputs.cdc_enabled === 'true' || jobInputs.cdc_enabled === 'True';
  },
  fromJobInputs(jobInputs: Record<string, unknown>) {
    if (jobInputs.cdc_enabled !== true && typeof jobInputs.cdc_management_mode !== 'string') return undefined;
    return {
      management: jobInputs.cdc_management_mode === 'self_managed' ? 'self_managed' : 'posthog',
      ...(typeof jobInputs.cdc_slot_name === 'string' ? { slot_name: jobInputs.cdc_slot_name } : {}),
      ...(typeof jobInputs.cdc_publication_name === 'string' ? { publication_name: jobInputs.cdc_publication_name } : {}),
    };
  },
};

export const postgres: SourceModule = {
  type: 'Postgres',
  cdc: postgresCdc,
  countsRows: false,
};
