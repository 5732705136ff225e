/** One line for a log or a terminal: the service's code, the HTTP status, then the message. */
export function describeError(error: unknown): string {
  const e = error as { code?: unknown; statusCode?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' && !String(e?.message ?? '').includes(e.code) ? `${e.code} ` : '';
  const status = typeof e?.statusCode === 'number' ? `(HTTP ${e.statusCode}) ` : '';
  const message = typeof e?.message === 'string' ? e.message : String(error);
  return `${code}${status}${message}`.split('\n')[0];
}
