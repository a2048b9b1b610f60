/** `external_data_schemas` routes (API.md §2.13). */
import type { Context, RequestInfo } from './context.js';
import { HttpReply, methodNotAllowed, notFound } from './responses.js';
import { updateSchema } from './schema-updates.js';
import { fullSchema, paginate } from './serializers.js';
import type { SchemaRow, SourceRow } from './state.js';

const ok = (body: unknown, status = 200) => new HttpReply(status, body);

/** read = list, retrieve, logs; everything else write (API.md §1). */
export function schemaActionScope(method: string, segments: string[]): 'read' | 'write' {
  if (segments.length <= 2) return method === 'GET' ? 'read' : 'write';
  return segments[2] === 'logs' ? 'read' : 'write';
}

function findSchema(ctx: Context, id: string): { schema: SchemaRow; source: SourceRow } {
  const schema = ctx.state.schemas.get(id);
  const source = schema && ctx.state.sources.get(schema.sourceId);
  if (!schema || !source || schema.deleted || source.deleted) throw notFound();
  return { schema, source };
}

function listAction(ctx: Context, req: RequestInfo): HttpReply {
  const search = req.query.get('search')?.toLowerCase();
  const rows = [...ctx.state.schemas.values()]
    .filter((s) => !s.deleted && !ctx.state.sources.get(s.sourceId)?.deleted)
    .filter((s) => !search || s.name.toLowerCase().includes(search))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const page = paginate(rows, req.url, ctx.baseUrl);
  return ok({ ...page, results: page.results.map((s) => fullSchema(s, ctx.state.sources.get(s.sourceId)!)) });
}

export async function handleSchemas(ctx: Context, req: RequestInfo): Promise<HttpReply> {
  const [, id, action, ...rest] = req.segments;
  const m = req.method;
  if (rest.length > 0) throw notFound();
  if (id === undefined) {
    if (m === 'GET') return listAction(ctx, req);
    // Newest code: MethodNotAllowed("POST") on create.
    throw methodNotAllowed(m);
  }
  const { schema, source } = findSchema(ctx, id);
  if (action === undefined) {
    if (m === 'GET') return ok(fullSchema(schema, source, true));
    if (m === 'PATCH') {
      const body = typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
      await updateSchema(ctx, source, schema, body);
      return ok(fullSchema(schema, source));
    }
    if (m === 'DELETE') {
      ctx.sync.stop(schema.id);
      schema.deleted = true;
      return ok(undefined, 204);
    }
    throw methodNotAllowed(m);
  }
  if (action === 'reload' || action === 'resync') {
    if (m !== 'POST') throw methodNotAllowed(m);
    ctx.sync.start(schema);
    return ok(undefined);
  }
  if (action === 'cancel') {
    if (m !== 'POST') throw methodNotAllowed(m);
    if (!ctx.sync.isRunning(schema.id)) throw new HttpReply(400, { detail: 'No running sync to cancel.' });
    ctx.sync.stop(schema.id);
    // [inferred] the cancelled run leaves the schema paused until its next sync.
    schema.status = 'Paused';
    return ok(undefined);
  }
  if (action === 'incremental_fields') {
    if (m !== 'POST') throw methodNotAllowed(m);
    const d = schema.discovered;
    return ok({
      incremental_fields: d?.incremental_fields ?? [],
      incremental_available: d?.incremental_available ?? false,
      append_available: d?.append_available ?? false,
      cdc_available: d?.cdc_available ?? null,
      xmin_available: d?.xmin_available ?? null,
      full_refresh_available: true,
      supports_webhooks: d?.supports_webhooks ?? false,
      webhook_only: d?.webhook_only ?? false,
      available_columns: d?.available_columns ?? [],
      detected_primary_keys: d?.detected_primary_keys ?? null,
    });
  }
  throw notFound();
}
