/** How apply tells apart the failures it handles (client error codes and HTTP statuses). */

/** A step that is not safe to retry: the connection dropped after the request was sent (client error code). */
export function isAmbiguous(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'ambiguous-request';
}

export function isNotFound(error: unknown): boolean {
  return (error as { status?: number } | null)?.status === 404;
}
