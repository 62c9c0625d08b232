/**
 * @module Node's own HTTP/1.1 parser (llhttp, through the `_http_common` module node:http uses),
 * for the fast path. Same binding, same strict settings as our node:http server (no lenient flag,
 * default header size limit), so a request the fast path accepts is one node:http would accept:
 * the request-smuggling protections are the same code.
 */
import { createRequire } from 'node:module';

/** The binding's parser object, as far as the fast path uses it. */
export interface LlhttpParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  /** Bytes consumed, or an Error (`code` HPE_…) when the input is not valid HTTP/1.x. */
  execute(data: Buffer): number | Error;
  /** End of input: completes a message delimited by the connection's close; an Error when one was cut. */
  finish(): undefined | Error;
  close(): void;
  [callback: number]: unknown;
}

interface HttpCommon {
  readonly HTTPParser: { new (): LlhttpParser; readonly REQUEST: number; readonly RESPONSE: number } & Record<string, number>;
  readonly methods: readonly string[];
}

const common = createRequire(import.meta.url)('_http_common') as HttpCommon;

export const HTTPParser = common.HTTPParser;
/**
 * Frees a parser's native object. It is not garbage-collected (node:http frees its own the same
 * way, in freeParser), and it holds its callbacks, so an unfreed parser keeps its whole connection
 * alive. Deferred: this may run inside one of the parser's own callbacks.
 */
export function freeParser(parser: LlhttpParser): void {
  setImmediate(() => parser.close());
}

/** Method names by the index llhttp reports. */
export const METHODS = common.methods;
export const ON_HEADERS = HTTPParser.kOnHeaders!;
export const ON_HEADERS_COMPLETE = HTTPParser.kOnHeadersComplete!;
export const ON_BODY = HTTPParser.kOnBody!;
export const ON_MESSAGE_COMPLETE = HTTPParser.kOnMessageComplete!;
export const ON_MESSAGE_BEGIN = HTTPParser.kOnMessageBegin!;
/** Returned from the headers callback: this message has no body and parsing stops right after its head. */
export const STOP_AFTER_HEAD = 2;
/** Returned from the headers callback: this message has no body (an answer to HEAD). */
export const NO_BODY = 1;
