/**
 * @module Reading a request body ahead, for what must see or replay it (retry, buffering,
 * mirroring, forwardAuth's forwardBody): up to a limit into memory; past it, the bytes read so far
 * and the rest of the stream, so the request can still go upstream whole, just not be replayed.
 */
import type { RequestContext } from './request-context.ts';

export type ReadAhead =
  | { readonly complete: true; readonly body: Buffer }
  | { readonly complete: false; readonly head: Buffer; readonly stream: AsyncIterable<Buffer> };

const EMPTY = Buffer.alloc(0);

export function hasRequestBody(ctx: RequestContext): boolean {
  if (ctx.body !== undefined) return ctx.body !== null && !(Buffer.isBuffer(ctx.body) && ctx.body.length === 0);
  const h = ctx.req.headers;
  return h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0');
}

/** Reads at most `limit` bytes (negative: no limit) of the body the context would send upstream. */
export async function readAhead(ctx: RequestContext, limit: number): Promise<ReadAhead> {
  const current = ctx.body;
  if (current === null || !hasRequestBody(ctx)) return { complete: true, body: EMPTY };
  if (Buffer.isBuffer(current)) {
    return limit < 0 || current.length <= limit ? { complete: true, body: current } : { complete: false, head: current, stream: (async function* () {})() };
  }
  const source: AsyncIterable<Buffer> = current ?? ctx.req;
  const iterator = source[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await iterator.next();
    if (done === true) return { complete: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) };
    const chunk = typeof value === 'string' ? Buffer.from(value) : (value as Buffer);
    chunks.push(chunk);
    size += chunk.length;
    if (limit >= 0 && size > limit) {
      return {
        complete: false,
        head: Buffer.concat(chunks),
        stream: (async function* () {
          for (;;) {
            const next = await iterator.next();
            if (next.done === true) return;
            yield next.value as Buffer;
          }
        })(),
      };
    }
  }
}

/** What to send upstream after a read that went past its limit: the bytes read, then the rest. */
export function rejoin(head: Buffer, stream: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  return (async function* () {
    yield head;
    yield* stream;
  })();
}
