import { describe, expect, it } from 'vitest';
import { enableCdc } from '../../src/apply/cdc.js';
import type { PostHogWriter } from '../../src/apply/apply.js';
import type { DesiredSource } from '../../src/config/desired.js';
import { apiErrorFromResponse } from '../../src/posthog/errors.js';
import { SecretMasker } from '../../src/secrets.js';
import { sourceModule } from '../../src/sources/index.js';

/**
 * apply/cdc.ts against enable_cdc's answers as PostHog's code gives them (API.md §2.12; change_data_capture.py):
 * 200 {success, schedules_ready}; 409 already enabled (done); 403 {message} team without CDC; 400 {message, errors}.
 * The errors are the client's own PostHogApiError, built from those bodies.
 */
const SECRET = 'db-password-never-shown';
const masker = new SecretMasker();
masker.add(SECRET);
const ctx = { method: 'POST', path: '/api/projects/1/external_data_sources/src-1/enable_cdc/', host: 'https://us.posthog.com', projectId: '1', scope: 'write' as const, attempts: 1 };
const source = {
  name: 'shop_db', type: 'Postgres', prefix: 'shop_', description: null, config: {}, tables: [], webhook: null, moved_from: null,
  cdc: { management: 'self_managed', slot_name: 'my_slot', publication_name: 'my_pub', auto_drop_slot: null, table_mode: null },
} as unknown as DesiredSource;
/** The planned body (plan/requests.ts builds it with the dialect; apply sends it as planned). */
const body = sourceModule('Postgres').cdc!.enableInputs(source.cdc);

function client(answer: () => unknown): { writer: PostHogWriter; bodies: unknown[] } {
  const bodies: unknown[] = [];
  const writer = {
    enableCdc: async (_id: string, body: Record<string, unknown>) => {
      bodies.push(body);
      return answer();
    },
  } as unknown as PostHogWriter;
  return { writer, bodies };
}
const refuse = (status: number, body: unknown) => () => {
  throw apiErrorFromResponse(status, body, ctx, masker);
};

describe('enable_cdc from apply (API.md §2.12)', () => {
  it('sends the planned body (the dialect\'s management mode and slot/publication names), and applies quietly on 200', async () => {
    const { writer, bodies } = client(() => ({ success: true, schedules_ready: true }));
    expect(await enableCdc(writer, 'src-1', 'shop_db', body)).toBeUndefined();
    expect(bodies).toEqual([{ cdc_management_mode: 'self_managed', cdc_slot_name: 'my_slot', cdc_publication_name: 'my_pub' }]);
  });

  it('schedules_ready false: CDC is on, with a note', async () => {
    const { writer } = client(() => ({ success: true, schedules_ready: false }));
    expect(await enableCdc(writer, 'src-1', 'shop_db', body)).toContain('CDC is enabled');
  });

  it('409 already enabled is taken as done', async () => {
    const { writer } = client(refuse(409, { message: 'CDC is already enabled on this source.' }));
    expect(await enableCdc(writer, 'src-1', 'shop_db', body)).toContain('already enabled');
  });

  it('403 {message} (CDC not enabled for the team) says CDC is switched on per project, not that a scope is missing', async () => {
    const { writer } = client(refuse(403, { message: 'CDC is not enabled for this team.' }));
    const error = await enableCdc(writer, 'src-1', 'shop_db', body).then(() => null, (e: Error) => e.message);
    expect(error).toContain('PostHog refused to enable CDC on shop_db: CDC is not enabled for this team.');
    expect(error).toContain('per project');
    expect(error).not.toContain('scope');
  });

  it('a 403 in drf-exceptions-hog shape is a missing scope: the client\'s scope message is kept', async () => {
    const { writer } = client(refuse(403, { type: 'authentication_error', code: 'permission_denied', detail: "API key missing required scope 'external_data_source:write'", attr: null }));
    const error = await enableCdc(writer, 'src-1', 'shop_db', body).then(() => null, (e: Error) => e.message);
    expect(error).toContain('external_data_source:write');
  });

  it('400 prerequisites lists PostHog\'s errors, masked', async () => {
    const { writer } = client(
      refuse(400, { message: 'CDC prerequisites not met.', errors: ["wal_level must be set to 'logical' (currently 'replica').", `Could not log in with ${SECRET}`] }),
    );
    const error = await enableCdc(writer, 'src-1', 'shop_db', body).then(() => null, (e: Error) => e.message);
    expect(error).toContain("PostHog refused to enable CDC on shop_db: CDC prerequisites not met. - wal_level must be set to 'logical'");
    expect(error).toContain('No table was switched.');
    expect(error).not.toContain(SECRET);
  });
});
