/**
 * @module Typed errors. Every failure a user can cause carries a stable `code` (documented in
 * docs/errors.md) and the key, flag or file at fault, so logs, the API and `switchyard check` can
 * name the culprit. Across thread boundaries send `toJSON()` data, never the instance: structured
 * cloning drops subclasses and extra fields.
 */

export interface ProblemData {
  readonly code: string;
  readonly message: string;
  /** The full store key (`traefik/http/routers/api/rule`), file path or flag at fault. */
  readonly key?: string;
}

export class SwitchyardError extends Error {
  readonly code: string;
  readonly key: string | undefined;

  constructor(code: string, message: string, key?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SwitchyardError';
    this.code = code;
    this.key = key;
  }

  toJSON(): ProblemData {
    return this.key === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, key: this.key };
  }
}

/** A static flag, environment variable or static file entry is wrong: the CLI exits 2. */
export class StaticConfigError extends SwitchyardError {
  constructor(message: string, key: string, options?: ErrorOptions) {
    super('SY_STATIC_CONFIG', message, key, options);
    this.name = 'StaticConfigError';
  }
}

/** A dynamic-configuration key (store or file) cannot be understood. */
export class ConfigKeyError extends SwitchyardError {
  constructor(code: string, message: string, key: string) {
    super(code, message, key);
    this.name = 'ConfigKeyError';
  }
}

/** A router rule failed to parse or compile; `position` is the 1-based column in the rule text. */
export class RuleError extends SwitchyardError {
  readonly position: number | undefined;

  constructor(code: string, message: string, position?: number) {
    super(code, position === undefined ? message : `${message} at column ${position}`);
    this.name = 'RuleError';
    this.position = position;
  }
}
