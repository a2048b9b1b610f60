// The JSON Schema as an editor sees it: the real yaml-language-server (the server behind VS Code's YAML
// extension, Neovim's yamlls, Helix, Zed...), spawned with --stdio and driven over LSP the way an editor does.
// The document is found by the modeline dwctl's contract tells users to write:
//   # yaml-language-server: $schema=./node_modules/dwctl/schemas/warehouse.schema.json
// so the test lays out a project with node_modules/dwctl pointing at this repository.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspClient } from './lsp-client.js';
import { REPO_ROOT, spawnCli } from '../helpers/spawn-cli.js';
import { BILLING_STRIPE } from '../helpers/yaml-fixtures.js';

const SERVER = join(REPO_ROOT, 'node_modules', 'yaml-language-server', 'bin', 'yaml-language-server');
const MODELINE = '# yaml-language-server: $schema=./node_modules/dwctl/schemas/warehouse.schema.json';

interface Position {
  line: number;
  character: number;
}
interface Diagnostic {
  range: { start: Position; end: Position };
  message: string;
  severity?: number;
  source?: string;
}
interface CompletionItem {
  label: string;
  kind?: number;
}

type WizardField = { name: string; label?: string | null };
const wizard = JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', 'wizard.snapshot.json'), 'utf8')) as Record<
  string,
  { fields: WizardField[] }
>;
function wizardLabel(sourceType: string, field: string): string {
  const found = wizard[sourceType]?.fields.find((f) => f.name === field)?.label;
  if (!found) throw new Error(`the wizard snapshot has no label for ${sourceType}.${field}`);
  return found;
}

/** Position of the first occurrence of `needle` in `text` (0-based, as LSP counts). */
function positionOf(text: string, needle: string, from = 0): Position {
  const offset = text.indexOf(needle, from);
  if (offset < 0) throw new Error(`"${needle}" not in the document`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1]!.length };
}
/** The position just after `needle` (where the cursor stands after typing it). */
function positionAfter(text: string, needle: string, from = 0): Position {
  const p = positionOf(text, needle, from);
  return { line: p.line, character: p.character + needle.length };
}

let project: string;
let client: LspClient;
let version = 0;

/** Open `text` as <dir>/warehouse.yaml, in a project directory of its own with dwctl installed. */
async function open(dir: string, text: string): Promise<{ uri: string; diagnostics: Diagnostic[] }> {
  const home = join(project, dir);
  // What `npm install --save-dev dwctl` gives a user: node_modules/dwctl/schemas/warehouse.schema.json.
  mkdirSync(join(home, 'node_modules'), { recursive: true });
  symlinkSync(REPO_ROOT, join(home, 'node_modules', 'dwctl'), 'dir');
  const file = join(home, 'warehouse.yaml');
  writeFileSync(file, text);
  const uri = pathToFileURL(file).href;
  client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: ++version, text } });
  const published = await client.waitForNotification('textDocument/publishDiagnostics', (p: { uri: string }) => p.uri === uri);
  return { uri, diagnostics: (published as { diagnostics: Diagnostic[] }).diagnostics };
}

async function complete(uri: string, position: Position): Promise<CompletionItem[]> {
  const result = await client.request<CompletionItem[] | { items: CompletionItem[] } | null>('textDocument/completion', {
    textDocument: { uri },
    position,
  });
  if (result === null) return [];
  return Array.isArray(result) ? result : result.items;
}

async function hover(uri: string, position: Position): Promise<string> {
  const result = await client.request<{ contents: string | { value: string } | (string | { value: string })[] } | null>(
    'textDocument/hover',
    { textDocument: { uri }, position },
  );
  if (result === null) return '';
  const parts = Array.isArray(result.contents) ? result.contents : [result.contents];
  return parts.map((p) => (typeof p === 'string' ? p : p.value)).join('\n');
}

beforeAll(async () => {
  expect(existsSync(SERVER), `yaml-language-server is not installed at ${SERVER}`).toBe(true);
  project = mkdtempSync(join(tmpdir(), 'dwctl-yls-'));

  client = new LspClient(process.execPath, [SERVER, '--stdio'], { cwd: project });
  // The settings VS Code's YAML extension sends; the schema store is off so nothing is fetched from the
  // network. The server asks for them (workspace/configuration) and is also told (didChangeConfiguration).
  const yamlSettings = { validate: true, completion: true, hover: true, format: { enable: false }, schemaStore: { enable: false }, schemas: {} };
  client.onRequest('workspace/configuration', (params) =>
    ((params as { items?: { section?: string }[] }).items ?? []).map((item) => (item.section === 'yaml' ? yamlSettings : null)),
  );
  const rootUri = pathToFileURL(project).href;
  await client.request('initialize', {
    processId: process.pid,
    clientInfo: { name: 'dwctl-test', version: '1' },
    rootUri,
    workspaceFolders: [{ uri: rootUri, name: 'project' }],
    capabilities: {
      workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true }, workspaceFolders: true },
      textDocument: {
        synchronization: { didSave: true },
        publishDiagnostics: { relatedInformation: true },
        completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'] } },
        hover: { contentFormat: ['markdown', 'plaintext'] },
      },
    },
  });
  client.notify('initialized', {});
  client.notify('workspace/didChangeConfiguration', { settings: { yaml: yamlSettings } });
}, 60_000);

afterAll(async () => {
  await client?.shutdown();
  if (project) rmSync(project, { recursive: true, force: true });
});

const POSTGRES = `${MODELINE}
version: 1
sources:
  shop_db:
    type: Postgres
    prefix: shop_
    config:
      host: db.example.com
      port: 5432
      database: shop
      user: reader
      password: \${SHOP_DB_PASSWORD}
      connection_string: \${SHOP_DB_URL}
    tables:
      orders: {sync: incremental, incremental_field: updated_at, frequncy: 1hour}
      users:
        sync: full_refresh
`;

describe('yaml-language-server with schemas/warehouse.schema.json', () => {
  it('reports an unknown key inside a table, at the key, and nothing else', async () => {
    const { diagnostics } = await open('unknown-key', POSTGRES);
    const typo = positionOf(POSTGRES, 'frequncy');
    expect(diagnostics, JSON.stringify(diagnostics, null, 2)).toHaveLength(1);
    const [d] = diagnostics;
    expect(d!.range.start).toEqual(typo);
    expect(d!.range.end).toEqual({ line: typo.line, character: typo.character + 'frequncy'.length });
    expect(d!.message).toMatch(/frequncy/);
    expect(d!.severity).toBe(1); // Error

    // The editor and `dwctl lint` point at the same place (LSP is 0-based, dwctl 1-based).
    const lint = spawnCli(['lint', '--format', 'json', 'warehouse.yaml'], { cwd: join(project, 'unknown-key') });
    const report = JSON.parse(lint.stdout) as { diagnostics: { code: string; line: number; column: number }[] };
    const unknown = report.diagnostics.filter((x) => x.code === 'unknown-property');
    expect(unknown).toEqual([expect.objectContaining({ line: typo.line + 1, column: typo.character + 1 })]);
  });

  it('offers exactly the sync types of the source type when completing `sync:` in a table', async () => {
    const text = `${MODELINE}
version: 1
sources:
  shop_db:
    type: Postgres
    prefix: shop_
    config:
      host: db.example.com
      port: 5432
      database: shop
      user: reader
      password: \${PW}
    tables:
      orders:
        sync: 
  billing:
${BILLING_STRIPE}    tables:
      Customer:
        sync: 
`;
    const { uri } = await open('completion', text);
    const postgres = await complete(uri, positionAfter(text, '        sync: '));
    expect(postgres.map((i) => i.label).sort()).toEqual(['append', 'cdc', 'full_refresh', 'incremental', 'xmin']);

    const stripeAt = positionAfter(text, '        sync: ', text.indexOf('Customer:'));
    const stripe = await complete(uri, stripeAt);
    const stripeLabels = stripe.map((i) => i.label);
    expect(stripeLabels).toContain('webhook');
    expect(stripeLabels.sort()).toEqual(['append', 'full_refresh', 'incremental', 'webhook']);
  });

  it('flags a sync type the source type does not offer (webhook on Postgres)', async () => {
    const text = `${MODELINE}
version: 1
sources:
  shop_db:
    type: Postgres
    prefix: shop_
    config:
      host: db.example.com
      port: 5432
      database: shop
      user: reader
      password: \${PW}
    tables:
      orders:
        sync: webhook
`;
    const { diagnostics } = await open('webhook-on-postgres', text);
    expect(diagnostics.map((d) => d.range.start), JSON.stringify(diagnostics, null, 2)).toEqual([positionOf(text, 'webhook')]);
  });

  it('offers the wizard source types when completing `type:`', async () => {
    const text = `${MODELINE}
version: 1
sources:
  shop_db:
    type: 
`;
    const { uri } = await open('type-completion', text);
    const items = await complete(uri, positionAfter(text, '    type: '));
    expect(items.map((i) => i.label).sort()).toEqual(Object.keys(wizard).sort());
  });

  it('offers the table keys when completing inside a table', async () => {
    const text = `${MODELINE}
version: 1
sources:
  shop_db:
    type: Postgres
    prefix: shop_
    config:
      host: db.example.com
      port: 5432
      database: shop
      user: reader
      password: \${PW}
    tables:
      orders:
        sync: incremental
        
`;
    const { uri } = await open('key-completion', text);
    const at = { line: text.split('\n').length - 2, character: 8 };
    const labels = (await complete(uri, at)).map((i) => i.label);
    expect(labels).toEqual(expect.arrayContaining(['incremental_field', 'sync_frequency', 'sync_time_of_day', 'primary_key']));
    expect(labels).not.toContain('sync'); // already present
  });

  it("shows the wizard's label when hovering a config key", async () => {
    const { uri } = await open('hover', POSTGRES);
    const connection = await hover(uri, positionOf(POSTGRES, 'connection_string'));
    expect(connection).toContain(wizardLabel('Postgres', 'connection_string'));
    const host = await hover(uri, positionOf(POSTGRES, 'host: db'));
    expect(host).toContain(wizardLabel('Postgres', 'host'));
  });

  it('reports no problem in the examples that dwctl lint accepts', async () => {
    const examples = readdirSync(join(REPO_ROOT, 'examples'), { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(REPO_ROOT, 'examples', e.name, 'warehouse.yaml')))
      .map((e) => e.name);
    expect(examples.length).toBeGreaterThan(0);
    for (const name of examples) {
      const source = join(REPO_ROOT, 'examples', name, 'warehouse.yaml');
      if (spawnCli(['lint', source], { cwd: REPO_ROOT }).exitCode !== 0) continue;
      // Same content, but found through the modeline a user writes (the examples point into the repository).
      const body = readFileSync(source, 'utf8').replace(/^# yaml-language-server: \$schema=.*$/m, MODELINE);
      const text = body.startsWith(MODELINE) ? body : `${MODELINE}\n${body}`;
      const { diagnostics } = await open(`example-${name}`, text);
      expect(diagnostics, `${name}: ${JSON.stringify(diagnostics, null, 2)}`).toEqual([]);
    }
  });
});
