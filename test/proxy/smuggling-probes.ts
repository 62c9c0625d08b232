/** Request-smuggling probes: raw request bytes with ambiguous or malformed framing (smuggling.test.ts sends them; request-scanner.test.ts checks the fast path's scanner declines or agrees with llhttp on them). */
export const probes: Array<[string, string]> = [
  ['Content-Length with Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n'],
  ['duplicate, differing Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 30\r\n\r\nabc'],
  ['bad chunk size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n'],
  ['obs-fold header continuation', 'GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n'],
  ['oversized headers', `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`],
  ['NUL byte in a header value', 'GET / HTTP/1.1\r\nHost: a\r\nX-Nul: a\u0000b\r\n\r\n'],
  ['Transfer-Encoding that is not chunked last', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n'],
  ['space before the header colon', 'GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n'],
];
