import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brotliDecompressSync, gunzipSync, zstdDecompressSync } from 'node:zlib';
import { compress, negotiate } from '../../src/middlewares/compress.ts';
import { answer, keyOf, run, wrapContext } from '../support/fake-exchange.ts';

const options = (o: Partial<Parameters<typeof compress.compile>[0]> = {}) => ({ minResponseBodyBytes: 1024, encodings: ['gzip', 'br', 'zstd'], ...o }) as Parameters<typeof compress.compile>[0];
const big = 'hello compression '.repeat(200);

test('compresses with the accepted encoding, drops Content-Length, adds Vary', async () => {
  for (const [accept, encoding, decode] of [['gzip', 'gzip', gunzipSync], ['br;q=1, gzip;q=0.5', 'br', brotliDecompressSync], ['zstd', 'zstd', zstdDecompressSync]] as const) {
    const mw = compress.compile(options(), keyOf('compress'))(answer(200, big), wrapContext());
    const { res } = await run(mw, { headers: { 'accept-encoding': accept } });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(res.header('content-encoding'), encoding);
    assert.equal(res.header('content-length'), undefined);
    assert.equal(res.header('vary'), 'Accept-Encoding');
    assert.equal(decode(res.body).toString(), big);
  }
});

test('skips small bodies, already-encoded answers, excluded types, and clients that accept none', async () => {
  const cases: [string, number, string[], Record<string, string>][] = [
    ['small', 200, ['content-type', 'text/plain'], { 'accept-encoding': 'gzip' }],
    [big, 200, ['content-type', 'text/plain', 'content-encoding', 'br'], { 'accept-encoding': 'gzip' }],
    [big, 200, ['content-type', 'text/event-stream'], { 'accept-encoding': 'gzip' }],
    [big, 200, ['content-type', 'text/plain'], {}],
    [big, 200, ['content-type', 'text/plain'], { 'accept-encoding': 'identity' }],
  ];
  for (const [body, status, headers, request] of cases) {
    const mw = compress.compile(options(), keyOf('compress'))(answer(status, body, headers), wrapContext());
    const { res } = await run(mw, { headers: request });
    assert.notEqual(res.header('content-encoding'), 'gzip', JSON.stringify(headers));
    assert.equal(res.text, body);
  }
});

test('without Content-Length, a body that ends below the minimum goes out as it is', async () => {
  const mw = compress.compile(options(), keyOf('compress'))((ctx) => {
    const out = ctx.out!;
    out.writeHead(200, undefined, ['content-type', 'text/plain']);
    out.write('tiny');
    out.end();
  }, wrapContext());
  const { res } = await run(mw, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(res.header('content-encoding'), undefined);
  assert.equal(res.header('content-length'), '4');
  assert.equal(res.text, 'tiny');
});

test('includedContentTypes, and negotiation order', async () => {
  const mw = compress.compile(options({ includedContentTypes: ['application/json'] }), keyOf('compress'))(answer(200, big, ['content-type', 'text/plain']), wrapContext());
  assert.equal((await run(mw, { headers: { 'accept-encoding': 'gzip' } })).res.header('content-encoding'), undefined);
  assert.equal(negotiate('gzip, br', ['gzip', 'br', 'zstd'], undefined), 'gzip');
  assert.equal(negotiate('gzip, br', ['br', 'gzip'], undefined), 'br');
  assert.equal(negotiate('*', ['zstd', 'gzip'], undefined), 'zstd');
  assert.equal(negotiate(undefined, ['gzip'], 'gzip'), 'gzip');
  assert.throws(() => compress.compile(options({ includedContentTypes: ['a/b'], excludedContentTypes: ['c/d'] }), keyOf('compress')), { key: 'traefik/http/middlewares/m/compress/includedContentTypes' });
  assert.throws(() => compress.compile(options({ encodings: ['gzip', 'lzma'] }), keyOf('compress')), { key: 'traefik/http/middlewares/m/compress/encodings/1' });
});
