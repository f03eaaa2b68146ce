/**
 * Reads a request body with a size cap and a deadline, so an oversized or trickling client gets
 * a typed 413 or 408 instead of holding memory or a connection. The API's edge reads each body
 * once, before authentication and outside any operation slot (see admission.ts); later readers
 * get the same text.
 * @module
 */
import { ApiError } from './errors.ts';

const read = new WeakMap<Request, string>();

/** Reads at most `limit` bytes within `timeoutMs` and keeps the text for `readBody`. */
export async function bufferBody(req: Request, limit: number, timeoutMs: number): Promise<void> {
  if (!read.has(req)) read.set(req, await readOnce(req, limit, timeoutMs));
}

/** The body's UTF-8 text: the buffered one, else read now with at most `limit` bytes within `timeoutMs`. */
export async function readBody(req: Request, limit: number, timeoutMs: number): Promise<string> {
  return read.get(req) ?? (await readOnce(req, limit, timeoutMs));
}

async function readOnce(req: Request, limit: number, timeoutMs: number): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (declared > limit)
    throw new ApiError(413, 'BODY_TOO_LARGE', `the body is larger than ${limit} bytes`);
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ApiError(408, 'REQUEST_TIMEOUT', `the body did not arrive within ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
  });
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), deadline]);
      if (done) break;
      size += value.byteLength;
      if (size > limit)
        throw new ApiError(413, 'BODY_TOO_LARGE', `the body is larger than ${limit} bytes`);
      chunks.push(value);
    }
  } catch (e) {
    void reader.cancel().catch(() => undefined);
    throw e;
  } finally {
    clearTimeout(timer);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(out);
  } catch {
    throw new ApiError(400, 'MALFORMED_JSON', 'the body is not valid UTF-8');
  }
}
