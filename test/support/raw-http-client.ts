/**
 * @module A client on one raw TCP connection, for tests that must control the bytes: pipelining,
 * several requests on one kept-alive connection, not reading. Reads answers framed by
 * Content-Length, chunked, or the connection's close.
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface RawResponse {
  readonly status: number;
  /** Lowercased names; the last value of a repeated header. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export class RawHttpClient {
  readonly socket: Socket;
  #buffer = Buffer.alloc(0);
  #closed = false;
  #wake: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
    socket.on('error', () => {});
  }

  static async open(port: number): Promise<RawHttpClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawHttpClient(socket);
  }

  /** Over TLS, whatever certificate the server shows. */
  static async openTls(port: number): Promise<RawHttpClient> {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    return new RawHttpClient(socket);
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  /** The next answer on the connection; `head` when it answers a HEAD (no body follows). */
  async response(head = false): Promise<RawResponse> {
    const end = await this.#until(() => {
      const i = this.#buffer.indexOf('\r\n\r\n');
      return i === -1 ? undefined : i;
    });
    const lines = this.#buffer.subarray(0, end).toString('latin1').split('\r\n');
    this.#buffer = this.#buffer.subarray(end + 4);
    const status = Number(lines[0]!.split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    if (head || status === 204 || status === 304) return { status, headers, body: Buffer.alloc(0) };
    if (headers['transfer-encoding'] === 'chunked') return { status, headers, body: await this.#chunked() };
    const length = headers['content-length'];
    if (length !== undefined) return { status, headers, body: await this.#take(Number(length)) };
    await this.#until(() => (this.#closed ? true : undefined));
    const body = this.#buffer;
    this.#buffer = Buffer.alloc(0);
    return { status, headers, body };
  }

  /** Resolves when the proxy closed the connection. */
  async closing(): Promise<void> {
    await this.#until(() => (this.#closed ? true : undefined));
  }

  close(): void {
    this.socket.destroy();
  }

  async #chunked(): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = await this.#until(() => {
        const i = this.#buffer.indexOf('\r\n');
        return i === -1 ? undefined : i;
      });
      const size = parseInt(this.#buffer.subarray(0, lineEnd).toString('latin1'), 16);
      this.#buffer = this.#buffer.subarray(lineEnd + 2);
      const data = await this.#take(size + 2);
      if (size === 0) return Buffer.concat(parts);
      parts.push(data.subarray(0, size));
    }
  }

  async #take(n: number): Promise<Buffer> {
    await this.#until(() => (this.#buffer.length >= n ? true : undefined));
    const out = this.#buffer.subarray(0, n);
    this.#buffer = this.#buffer.subarray(n);
    return out;
  }

  async #until<T>(ready: () => T | undefined): Promise<T> {
    for (;;) {
      const value = ready();
      if (value !== undefined) return value;
      if (this.#closed) throw new Error(`connection closed with ${this.#buffer.length} unread bytes`);
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }
}
