/**
 * @module Conversions between Node's one-char-per-byte ("latin1") strings and Unicode strings.
 * Node gives header values and request targets as latin1; rule arguments are Unicode. Go compares
 * bytes, so the two meet as UTF-8.
 */

export function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return false;
  }
  return true;
}

/** The UTF-8 bytes of `text`, one char per byte: how Node would show this text received on the wire. */
export function utf8ToByteString(text: string): string {
  return isAscii(text) ? text : Buffer.from(text, 'utf8').toString('latin1');
}

/**
 * Decodes a one-char-per-byte string as UTF-8. Invalid sequences become U+FFFD, which is also what
 * Go's regexp engine sees when it steps over an invalid byte.
 */
export function byteStringToUnicode(bytes: string): string {
  return isAscii(bytes) ? bytes : Buffer.from(bytes, 'latin1').toString('utf8');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8, or returns undefined when the bytes are not valid UTF-8. */
export function decodeUtf8Strictly(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}
