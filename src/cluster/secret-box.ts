/**
 * @module Encryption of private keys written to the store (`--cluster.secretFile`: 32 bytes, raw or
 * base64/hex text). AES-256-GCM with a random 96-bit IV per value; the output is text so it fits
 * any store: `enc:v1:<iv>:<tag>:<ciphertext>` (base64). Without a secret, values are stored as is.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SwitchyardError } from '../errors.ts';

const PREFIX = 'enc:v1:';

export class SecretBox {
  readonly #key: Buffer | undefined;

  constructor(key: Buffer | undefined) {
    this.#key = key;
  }

  static fromFile(path: string | undefined): SecretBox {
    if (path === undefined) return new SecretBox(undefined);
    let raw: Buffer;
    try {
      raw = readFileSync(path);
    } catch (error) {
      throw new SwitchyardError('SY_SECRET_FILE', `cannot read the secret file: ${(error as Error).message}`, '--cluster.secretFile', { cause: error });
    }
    const text = raw.toString('utf8').trim();
    const key = raw.length === 32 ? raw : /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
    if (key.length !== 32) {
      throw new SwitchyardError('SY_SECRET_FILE', 'the secret file must hold 32 bytes (raw, 64 hex digits, or base64); generate one with: head -c 32 /dev/urandom > secret', '--cluster.secretFile');
    }
    return new SecretBox(key);
  }

  get enabled(): boolean {
    return this.#key !== undefined;
  }

  seal(plain: string): string {
    if (this.#key === undefined) return plain;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${body.toString('base64')}`;
  }

  open(stored: string, key?: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    if (this.#key === undefined) throw new SwitchyardError('SY_SECRET_MISSING', 'this value is encrypted: start the node with the cluster secret (--cluster.secretFile)', key ?? '--cluster.secretFile');
    const [iv, tag, body] = stored.slice(PREFIX.length).split(':');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv ?? '', 'base64'));
      decipher.setAuthTag(Buffer.from(tag ?? '', 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body ?? '', 'base64')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new SwitchyardError('SY_SECRET_MISMATCH', 'cannot decrypt a value from the store: the cluster secret differs from the one that wrote it', key ?? '--cluster.secretFile', { cause: error });
    }
  }
}
