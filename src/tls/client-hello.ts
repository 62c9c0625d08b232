/**
 * @module Reads the server name and ALPN protocols from the first bytes of a TLS connection (the
 * ClientHello), before the handshake starts. Needed for TLS-ALPN-01: the challenge certificate must
 * be chosen when the client offers `acme-tls/1`, which Node's SNI callback cannot see. Anything
 * that does not parse yields nothing, and the connection proceeds as usual.
 */

export interface ClientHelloInfo {
  readonly serverName: string | undefined;
  readonly alpn: readonly string[];
}

/** The first TLS record's whole length, header included (its 5-byte header must be in `data`). */
export function firstRecordLength(data: Buffer): number {
  return 5 + data.readUInt16BE(3);
}

export function readClientHello(data: Buffer): ClientHelloInfo | undefined {
  try {
    // TLS record: type 22 (handshake), version, length; handshake: type 1 (ClientHello), length.
    if (data.length < 9 || data[0] !== 0x16 || data[5] !== 0x01) return undefined;
    let at = 9 + 2 + 32; // client_version, random
    at += 1 + data[at]!; // session id
    at += 2 + data.readUInt16BE(at); // cipher suites
    at += 1 + data[at]!; // compression methods
    const end = at + 2 + data.readUInt16BE(at);
    at += 2;
    let serverName: string | undefined;
    const alpn: string[] = [];
    while (at + 4 <= end && at + 4 <= data.length) {
      const type = data.readUInt16BE(at);
      const length = data.readUInt16BE(at + 2);
      const body = at + 4;
      if (type === 0x0000 && data[body + 2] === 0) serverName = data.toString('latin1', body + 5, body + 5 + data.readUInt16BE(body + 3));
      if (type === 0x0010) {
        let p = body + 2;
        const listEnd = body + 2 + data.readUInt16BE(body);
        while (p < listEnd) {
          const len = data[p]!;
          alpn.push(data.toString('latin1', p + 1, p + 1 + len));
          p += 1 + len;
        }
      }
      at = body + length;
    }
    return { serverName: serverName?.toLowerCase(), alpn };
  } catch {
    return undefined;
  }
}
