import { DwctlError } from '../errors.js';

/**
 * A create refused because the source now exists: another run (a second CI job, a colleague's apply)
 * created it after our plan was made. The plan is out of date; the fix is to plan again, not to retry.
 */
export class CreatedMeanwhileError extends DwctlError {
  readonly code = 'created-meanwhile';
  readonly outcome = 'no';
  constructor(
    message: string,
    /** The id of the source the other run created. */
    readonly remoteId: string,
  ) {
    super(message);
    this.name = 'CreatedMeanwhileError';
    this.hint = 'Run `dwctl plan` again: it now sees that source and plans updates instead of a create.';
  }
}

/** The one lookup this needs of the client. */
export interface SourceFinder {
  findSource(sourceType: string, prefix: string | null): Promise<{ id: string } | null>;
}

/**
 * After PostHog refused a create (a 4xx), find out whether the source exists now. PostHog's prefix-clash
 * answer is a validation error whose words differ between versions (API.md §2.3), and dwctl never branches
 * on message text (API.md §0): the source is looked up by type and prefix instead. Returns the error to
 * report: CreatedMeanwhileError when the source is there, else the original refusal.
 */
export async function explainRefusedCreate(client: SourceFinder, sourceType: string, prefix: string | null, error: unknown): Promise<unknown> {
  const status = (error as { status?: unknown } | null)?.status;
  // Only a refusal can mean "already exists"; auth and throttling are not about the source, and a 5xx or a
  // dropped connection is handled as ambiguous by the caller.
  if (typeof status !== 'number' || status < 400 || status >= 500 || status === 401 || status === 403 || status === 429) return error;
  let existing: { id: string } | null;
  try {
    existing = await client.findSource(sourceType, prefix);
  } catch {
    // The lookup failing says nothing new: report PostHog's refusal as it was.
    return error;
  }
  if (!existing) return error;
  const named = prefix ? `with prefix ${prefix}` : 'without a prefix';
  return new CreatedMeanwhileError(`The ${sourceType} source ${named} was created by another run meanwhile (id ${existing.id}); run plan again.`, existing.id);
}
