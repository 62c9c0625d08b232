/**
 * The fast path's request scanner against llhttp (the parser node:http uses, with the same strict
 * settings), on a corpus of valid and hostile heads: for each, the scanner either declines, or what
 * it read (method, target, version, header pairs, body length, keep-alive, where the head ends)
 * is what llhttp reads from the same bytes. It must never take what llhttp refuses.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HTTPParser, METHODS, ON_BODY, ON_HEADERS, ON_HEADERS_COMPLETE, ON_MESSAGE_COMPLETE } from '../../src/proxy/fast-path/llhttp.ts';
import { HEAD_LIMIT, RequestScanner } from '../../src/proxy/fast-path/request-scanner.ts';
import { probes } from './smuggling-probes.ts';

interface Reading {
  method: string;
  target: string;
  minor: number;
  headers: string[];
  bodyLength: number;
  keepAlive: boolean;
  /** Bytes of the head. */
  headLength: number;
}

/**
 * llhttp's reading of the first request in `bytes`, fed first the head alone and then
 * `bodyLength` body bytes and a second request: the body must end exactly there. Undefined when
 * llhttp refuses the bytes or does not complete the message where the scanner says it ends.
 */
function llhttpReading(head: Buffer, bodyLength: number): Reading | undefined {
  const parser = new HTTPParser();
  parser.initialize(HTTPParser.REQUEST, {}, 0, 0);
  let reading: Reading | undefined;
  let parts: string[] = [];
  let urlPart = '';
  let body = 0;
  let completed = 0;
  parser[ON_HEADERS] = (headers: string[], url: string) => {
    parts.push(...headers);
    urlPart += url;
  };
  parser[ON_HEADERS_COMPLETE] = (major: number, minor: number, headers: string[] | undefined, method: number, url: string, _s: number, _m: string, upgrade: boolean, keepAlive: boolean) => {
    if (reading !== undefined) return 0;
    reading = { method: METHODS[method] ?? '?', target: url || urlPart, minor: major === 1 ? minor : -1, headers: headers ?? parts, bodyLength: -1, keepAlive: keepAlive && !upgrade, headLength: head.length };
    parts = [];
    return 0;
  };
  parser[ON_BODY] = (chunk: Buffer) => {
    if (completed === 0) body += chunk.length;
  };
  parser[ON_MESSAGE_COMPLETE] = () => {
    completed++;
  };
  try {
    if (typeof parser.execute(head) !== 'number' || reading === undefined) return undefined;
    const rest = Buffer.concat([Buffer.alloc(bodyLength, 0x62), Buffer.from('GET /next HTTP/1.1\r\nHost: n\r\n\r\n')]);
    const result = parser.execute(rest);
    // A head that is not kept alive may refuse the next request: what counts is the first message.
    if (typeof result !== 'number' && reading.keepAlive) return undefined;
    if (completed === 0) return undefined;
    reading.bodyLength = body;
    return reading;
  } finally {
    parser.close();
  }
}

function scannerReading(bytes: Buffer): Reading | undefined {
  const scanner = new RequestScanner();
  const end = scanner.scan(bytes, 0);
  if (end === -1) return undefined;
  return { method: scanner.method, target: scanner.target, minor: scanner.minor, headers: scanner.headers, bodyLength: scanner.bodyLength, keepAlive: scanner.keepAlive, headLength: end };
}

/** Declined, or read exactly as llhttp reads it. Returns whether the scanner took it. */
function check(label: string, bytes: Buffer): boolean {
  const scanned = scannerReading(bytes);
  if (scanned === undefined) return false;
  const reference = llhttpReading(bytes.subarray(0, scanned.headLength), scanned.bodyLength);
  assert.ok(reference !== undefined, `${label}: scanner took what llhttp refuses: ${JSON.stringify(bytes.toString('latin1').slice(0, 200))}`);
  assert.deepEqual(scanned, reference, `${label}: ${JSON.stringify(bytes.toString('latin1').slice(0, 200))}`);
  // The same head with anything after it: the scanner stops at the same place.
  const followed = scannerReading(Buffer.concat([bytes.subarray(0, scanned.headLength), Buffer.from('\r\nGET / HTTP/1.1\r\n\r\n')]));
  assert.deepEqual(followed, scanned, `${label}: what follows the head changed the reading`);
  return true;
}

const VALID = [
  'GET / HTTP/1.1\r\nHost: bench.local\r\n\r\n',
  'GET /a/b?c=d&e=f;g HTTP/1.1\r\nHost: a.example:8080\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\n\r\n',
  'POST /submit HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\n',
  'HEAD /x HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n',
  'GET /old HTTP/1.0\r\n\r\n',
  'PUT /p HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: close\r\nX-Tab: a\tb\r\n\r\n',
  'DELETE /d HTTP/1.1\r\nhost: a\r\nX-Empty:\r\nX-Spaces:    v  w\r\n\r\n',
  "OPTIONS /o HTTP/1.1\r\nHost: a\r\nX-Token-!#$%&'*+-.^_`|~: \"quoted\" (c) [b] {x} <y> @\\=?/,;\r\n\r\n",
  'PATCH /~u%20v HTTP/1.1\r\nHOST: A\r\nCONNECTION: KEEP-ALIVE\r\nCONTENT-LENGTH: 0012\r\n\r\n',
];

const HOSTILE = [
  ...probes.map(([, bytes]) => bytes),
  'GET / HTTP/1.1\r\nHost : a\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\nContent-Length : 3\r\n\r\nabc',
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc',
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc',
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc',
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3 \r\n\r\nabc',
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x3\r\n\r\nabc',
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\nabc',
  'POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\nabc',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\ntransfer-encoding: CHUNKED\r\nContent-Length: 3\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer_Encoding: chunked\r\n\r\n',
  'GET / HTTP/1.1\nHost: a\n\n',
  'GET / HTTP/1.1\r\nHost: a\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\n\n',
  'GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\n\tfolded\r\n\r\n',
  'GET / HTTP/1.1\r\n folded: a\r\n\r\n',
  'GET / HTTP/1.1\r\nX: a\u0000\r\n\r\n',
  'GET /\u0000 HTTP/1.1\r\n\r\n',
  `GET / HTTP/1.1\r\nHost: a\r\nX-Long: ${'v'.repeat(HEAD_LIMIT)}\r\n\r\n`,
  `GET /${'p'.repeat(17_000)} HTTP/1.1\r\nHost: a\r\n\r\n`,
  `GET / HTTP/1.1\r\n${'X-H: v\r\n'.repeat(3_000)}\r\n`,
  `GET / HTTP/1.1\r\n${'X-H: v\r\n'.repeat(100)}\r\n`,
  'G@T / HTTP/1.1\r\nHost: a\r\n\r\n',
  'get / HTTP/1.1\r\nHost: a\r\n\r\n',
  'FOO / HTTP/1.1\r\nHost: a\r\n\r\n',
  'CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n',
  'GET  / HTTP/1.1\r\nHost: a\r\n\r\n',
  'GET / HTTP/1.1 \r\nHost: a\r\n\r\n',
  'GET /  HTTP/1.1\r\nHost: a\r\n\r\n',
  'GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n',
  'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n',
  'GET /#frag HTTP/1.1\r\nHost: a\r\n\r\n',
  'GET /\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n',
  'GET / HTTP/2.0\r\nHost: a\r\n\r\n',
  'GET / HTTP/1.2\r\nHost: a\r\n\r\n',
  'GET / http/1.1\r\nHost: a\r\n\r\n',
  'GET /\r\nHost: a\r\n\r\n',
  'GET / HTTP/1.1\r\nH@st: a\r\n\r\n',
  'GET / HTTP/1.1\r\nHo\"st: a\r\n\r\n',
  'GET / HTTP/1.1\r\n: a\r\n\r\n',
  'GET / HTTP/1.1\r\nX: caf\u00e9\r\n\r\n',
  'GET / HTTP/1.1\r\nX: a\u007f\r\n\r\n',
  'GET / HTTP/1.1\r\nX:\ta\r\n\r\n',
  'GET / HTTP/1.1\r\nX: a\t\r\n\r\n',
  'GET / HTTP/1.1\r\nConnection: close, keep-alive\r\n\r\n',
  'GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
  'GET / HTTP/1.1\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n',
  'GET / HTTP/1.0\r\nProxy-Connection: keep-alive\r\n\r\n',
  'POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n',
  '\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\n\r',
];

/** Bytes put in place of, or before, each byte of a head. */
const INTERESTING = [0x00, 0x09, 0x0a, 0x0d, 0x20, 0x22, 0x23, 0x2c, 0x2f, 0x3a, 0x3f, 0x41, 0x7f, 0x80, 0xff];

function* mutations(head: Buffer): Generator<[string, Buffer]> {
  for (let i = 0; i < head.length; i++) {
    for (const b of INTERESTING) {
      const replaced = Buffer.from(head);
      replaced[i] = b;
      yield [`byte ${i} := ${b}`, replaced];
      yield [`byte ${b} inserted at ${i}`, Buffer.concat([head.subarray(0, i), Buffer.of(b), head.subarray(i)])];
    }
    yield [`byte ${i} removed`, Buffer.concat([head.subarray(0, i), head.subarray(i + 1)])];
    yield [`byte ${i} doubled`, Buffer.concat([head.subarray(0, i + 1), head.subarray(i)])];
  }
}

describe('request scanner: declines, or reads as llhttp does', () => {
  test('valid heads are taken, and read as llhttp reads them', () => {
    for (const head of VALID) assert.ok(check('valid', Buffer.from(head, 'latin1')), `declined a plain head: ${JSON.stringify(head)}`);
  });

  test('hostile and unusual heads are declined or read as llhttp reads them', () => {
    let taken = 0;
    for (const head of HOSTILE) if (check('hostile', Buffer.from(head, 'latin1'))) taken++;
    // Only the few harmless ones (a header line limit below llhttp's, etc.) may be taken.
    assert.ok(taken <= 2, `took ${taken} unusual heads`);
  });

  test('every single-byte mutation of the valid heads is declined or read as llhttp reads it', () => {
    let taken = 0;
    let total = 0;
    for (const head of VALID) {
      for (const [label, bytes] of mutations(Buffer.from(head, 'latin1'))) {
        total++;
        if (check(label, bytes)) taken++;
      }
    }
    // The corpus means something: many mutations are harmless (a letter in a value) and taken.
    assert.ok(taken > 0 && taken < total, `${taken} of ${total} taken`);
  });

  test('a head cut at any byte is declined; pipelined heads are read one at a time at every split', () => {
    for (const head of [...VALID, ...probes.map(([, bytes]) => bytes)]) {
      const bytes = Buffer.from(head, 'latin1');
      const whole = scannerReading(bytes);
      for (let cut = 0; cut < Math.min(bytes.length, 400); cut++) {
        const part = scannerReading(bytes.subarray(0, cut));
        if (whole === undefined || cut < whole.headLength) assert.equal(part, undefined, `took a cut head (${cut} bytes): ${JSON.stringify(head.slice(0, 80))}`);
      }
    }
    const first = Buffer.from('POST /one HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc', 'latin1');
    const second = Buffer.from('GET /two HTTP/1.1\r\nHost: b\r\n\r\n', 'latin1');
    const both = Buffer.concat([first, second]);
    for (let split = 0; split <= both.length; split++) {
      const scanner = new RequestScanner();
      const end = scanner.scan(both.subarray(0, split), 0);
      if (split < first.length - 3) assert.equal(end, -1, `split ${split}`);
      else assert.equal(end, first.length - 3);
      const next = scanner.scan(both, first.length);
      assert.equal(next, both.length);
      assert.equal(scanner.target, '/two');
      check(`pipelined split ${split}`, both.subarray(split < first.length ? 0 : first.length));
    }
  });
});
