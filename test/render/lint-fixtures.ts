import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import type { LintRun } from '../../src/render/lint.js';

/** A small, hand-made lint run: two files, an error and a warning in one, nothing in the other. */
export const TEXT = `version: 1
sources:
  shop_db:
    type: Postgres
    prefix: shop
    config:
      password: hunter2
`;

export const ERROR: Diagnostic = {
  code: 'plaintext-secret',
  severity: 'error',
  message: 'config.password is a secret but holds a literal value.',
  file: 'warehouse.yaml',
  line: 7,
  column: 17,
  end_line: 7,
  end_column: 24,
  path: '/sources/shop_db/config/password',
};

export const WARNING: Diagnostic = {
  code: 'prefix-without-separator',
  severity: 'warning',
  message: 'Prefix "shop" does not end in "_".',
  file: 'warehouse.yaml',
  line: 5,
  column: 13,
  end_line: 5,
  end_column: 17,
  path: '/sources/shop_db/prefix',
};

export function run(diagnostics: Diagnostic[], extra: LintRun['files'] = []): LintRun {
  return { files: [{ file: 'warehouse.yaml', text: TEXT, diagnostics }, ...extra], version: '1.2.3' };
}
