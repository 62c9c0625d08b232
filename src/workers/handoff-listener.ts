/**
 * @module A main-thread listener that never reads a byte: it accepts connections paused
 * (`pauseOnConnect`) and hands each one to the worker threads (`dispatch`), as Node 24 allows an
 * accepted socket to be transferred to a worker thread (nodejs/node#64225).
 *
 * Until `attach` (once every thread serves the first configuration) it holds what it accepts.
 * In handoff mode this is the entry point's only listener. In reuseport mode it binds the port
 * first (so `:0` resolves to one port every thread can join, and a port in use fails start-up with
 * a clear error), takes the few connections that arrive before the threads listen, and is closed
 * once they do.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export type Dispatch = (entryPoint: string, socket: Socket) => void;

export class HandoffListener {
  readonly name: string;
  readonly #server: Server;
  readonly #queued: Socket[] = [];
  readonly #reusePort: boolean;
  #dispatch: Dispatch | undefined;

  constructor(name: string, reusePort: boolean) {
    this.name = name;
    // noDelay matches node:http's own default for the sockets it accepts.
    this.#server = createServer({ pauseOnConnect: true, noDelay: true }, (socket) => {
      if (this.#dispatch === undefined) this.#queued.push(socket);
      else this.#dispatch(name, socket);
    });
    this.#reusePort = reusePort;
  }

  async listen(host: string | undefined, port: number): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host, port, reusePort: this.#reusePort }, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return this.#server.address() as AddressInfo;
  }

  /** From now on connections go to `dispatch`, starting with those that waited. */
  attach(dispatch: Dispatch): void {
    this.#dispatch = dispatch;
    for (const socket of this.#queued.splice(0)) dispatch(this.name, socket);
  }

  /**
   * Stops accepting, without waiting for the connections it accepted (the server's close callback
   * would): those handed over are the threads' to finish, and a drain waits for the threads.
   */
  close(): void {
    for (const socket of this.#queued.splice(0)) socket.destroy();
    if (this.#server.listening) this.#server.close();
  }
}
