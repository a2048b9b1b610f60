import { describe, expect, it } from 'vitest';
import { ConnectionSettingsError } from '../../src/errors.js';
import { isLoopback, normaliseHost, resolveConnection } from '../../src/posthog/index.js';

const KEY = 'phx_secret_key_value_abcdef123456';

function settingsError(fn: () => unknown): ConnectionSettingsError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectionSettingsError);
    expect((error as ConnectionSettingsError).outcome).toBe('could-not-run');
    expect((error as Error).message).not.toContain(KEY);
    return error as ConnectionSettingsError;
  }
  throw new Error('expected a ConnectionSettingsError');
}

describe('resolveConnection: precedence (contract §2)', () => {
  it('uses flags over the environment over the file', () => {
    const s = resolveConnection({
      flags: { host: 'https://flag.example.com', project: '1' },
      env: { POSTHOG_HOST: 'https://env.example.com', POSTHOG_PROJECT_ID: '2', POSTHOG_PERSONAL_API_KEY: KEY },
      file: { host: 'https://file.example.com', project_id: 3 },
    });
    expect(s).toEqual({
      host: 'https://flag.example.com',
      projectId: '1',
      apiKey: KEY,
      sources: { host: 'flag', projectId: 'flag', apiKey: 'env:POSTHOG_PERSONAL_API_KEY' },
    });
  });

  it('uses the environment over the file', () => {
    const s = resolveConnection({
      flags: {},
      env: { POSTHOG_CLI_HOST: 'https://env.example.com', POSTHOG_CLI_ENV_ID: '7', POSTHOG_CLI_TOKEN: KEY },
      file: { host: 'https://file.example.com', project_id: 3 },
    });
    expect(s.host).toBe('https://env.example.com');
    expect(s.projectId).toBe('7');
    expect(s.sources).toEqual({ host: 'env:POSTHOG_CLI_HOST', projectId: 'env:POSTHOG_CLI_ENV_ID', apiKey: 'env:POSTHOG_CLI_TOKEN' });
  });

  it('falls back to the file, then to the default host', () => {
    const fromFile = resolveConnection({ flags: {}, env: { POSTHOG_API_KEY: KEY }, file: { host: 'https://eu.posthog.com/', project_id: 12345 } });
    expect(fromFile).toMatchObject({
      host: 'https://eu.posthog.com',
      projectId: '12345',
      sources: { host: 'file', projectId: 'file', apiKey: 'env:POSTHOG_API_KEY' },
    });
    const byDefault = resolveConnection({ flags: {}, env: { POSTHOG_API_KEY: KEY }, file: { project_id: '9' } });
    expect(byDefault.host).toBe('https://us.posthog.com');
    expect(byDefault.sources.host).toBe('default');
  });

  it('takes the first environment variable found, in the contract order, skipping blank ones', () => {
    const s = resolveConnection({
      flags: {},
      env: {
        POSTHOG_HOST: '',
        POSTHOG_CLI_HOST: 'https://second.example.com',
        POSTHOG_PROJECT_ID: '  ',
        POSTHOG_CLI_PROJECT_ID: '5',
        POSTHOG_CLI_ENV_ID: '6',
        POSTHOG_PERSONAL_API_KEY: '',
        POSTHOG_API_KEY: 'phx_second',
        POSTHOG_CLI_API_KEY: 'phx_third',
        POSTHOG_CLI_TOKEN: 'phx_fourth',
      },
    });
    expect(s).toMatchObject({ host: 'https://second.example.com', projectId: '5', apiKey: 'phx_second' });
  });

  it('never reads the key from the file or a flag', () => {
    const error = settingsError(() => resolveConnection({ flags: { project: '1' }, env: {}, file: { project_id: 1, ...({ api_key: KEY } as object) } }));
    expect(error.message).toMatch(/POSTHOG_PERSONAL_API_KEY/);
    expect(error.message).toMatch(/settings\/user-api-keys/);
  });
});

describe('resolveConnection: problems say how to fix them', () => {
  it('missing project id', () => {
    const error = settingsError(() => resolveConnection({ flags: {}, env: { POSTHOG_PERSONAL_API_KEY: KEY } }));
    expect(error.message).toMatch(/--project/);
    expect(error.message).toMatch(/POSTHOG_PROJECT_ID/);
    expect(error.message).toMatch(/project_id/);
  });

  it('a project key (phc_) is named as such', () => {
    const projectKey = 'phc_public_project_key_123456';
    const error = settingsError(() => resolveConnection({ flags: { project: '1' }, env: { POSTHOG_API_KEY: projectKey } }));
    expect(error.message).toMatch(/project API key \(phc_…\)/);
    expect(error.message).toMatch(/personal API key \(phx_…\)/);
    expect(error.message).toMatch(/POSTHOG_API_KEY/);
    expect(error.message).not.toContain(projectKey);
  });

  it('a bad project id', () => {
    const error = settingsError(() => resolveConnection({ flags: { project: 'my-project' }, env: { POSTHOG_PERSONAL_API_KEY: KEY } }));
    expect(error.message).toMatch(/--project: "my-project" is not a PostHog project id/);
  });

  it('a bad URL', () => {
    const error = settingsError(() => resolveConnection({ flags: { host: 'https://exa mple.com', project: '1' }, env: { POSTHOG_PERSONAL_API_KEY: KEY } }));
    expect(error.message).toMatch(/--host: .* is not a valid URL/);
  });

  it('the key pasted into another setting is blanked out of the message', () => {
    const error = settingsError(() =>
      resolveConnection({ flags: { host: `http://${KEY}.example.com`, project: '1' }, env: { POSTHOG_PERSONAL_API_KEY: KEY } }),
    );
    expect(error.message).toMatch(/plain http/);
  });
});

describe('host rule: https, plain http only to loopback (contract §2)', () => {
  it.each([
    ['http://127.0.0.1:8000', 'http://127.0.0.1:8000'],
    ['http://127.8.9.1', 'http://127.8.9.1'],
    ['http://[::1]:8010/', 'http://[::1]:8010'],
    ['http://localhost:8010', 'http://localhost:8010'],
    ['http://LOCALHOST', 'http://localhost'],
    ['https://eu.posthog.com/', 'https://eu.posthog.com'],
    ['eu.posthog.com', 'https://eu.posthog.com'],
    ['https://posthog.internal.example:8443', 'https://posthog.internal.example:8443'],
  ])('accepts %s as %s', (input, origin) => {
    expect(normaliseHost(input)).toBe(origin);
  });

  it.each(['http://example.com', 'http://128.0.0.1', 'http://10.0.0.5:8000', 'http://[::2]', 'http://localhost.example.com', 'http://127.0.0.1.nip.io'])(
    'refuses %s',
    (input) => {
      const error = settingsError(() => normaliseHost(input));
      expect(error.message).toMatch(/plain http/);
      expect(error.message).toMatch(/loopback/);
    },
  );

  it.each([
    ['ftp://example.com', /https:\/\//],
    ['https://user:pw@example.com', /user name or password/],
    ['https://example.com/posthog', /path, query or fragment/],
    ['https://example.com/?a=1', /path, query or fragment/],
    ['https://us.i.posthog.com', /ingestion host.*https:\/\/us\.posthog\.com/],
  ])('refuses %s', (input, why) => {
    expect(settingsError(() => normaliseHost(input)).message).toMatch(why);
  });

  it('knows loopback addresses', () => {
    expect(['localhost', '127.0.0.1', '127.255.255.254', '[::1]', '::1'].every(isLoopback)).toBe(true);
    expect(['example.com', '126.0.0.1', '[::ffff:7f00:1]', '0.0.0.0'].some(isLoopback)).toBe(false);
  });
});
