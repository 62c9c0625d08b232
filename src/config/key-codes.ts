/** @module Stable codes for dynamic-configuration problems (store keys and file-provider files). */

/**
 * One code per way a key can be wrong. Callers, the API and `switchyard check` match on these,
 * never on message text, so a code is never renamed once shipped.
 */
export const KeyCode = {
  /** A field name that the object's type does not have (Traefik: "field not found, node: …"). */
  unknownField: 'SY_KEY_UNKNOWN_FIELD',
  badBool: 'SY_KEY_BAD_BOOL',
  badInt: 'SY_KEY_BAD_INT',
  badDuration: 'SY_KEY_BAD_DURATION',
  /** A struct-valued key set as a leaf (Traefik: "… cannot be a standalone element"). */
  standalone: 'SY_KEY_STANDALONE',
  /** A service or middleware with more than one type. */
  multiType: 'SY_KEY_MULTI_TYPE',
  /** A required field, or a service/middleware type, is absent. */
  missing: 'SY_KEY_MISSING',
  /** A value that has the right syntax but not an accepted value (enum, URL, …). */
  invalid: 'SY_KEY_INVALID',
  /** A scalar-list element whose label is not a decimal index (`entryPoints/first`). */
  badIndex: 'SY_KEY_BAD_INDEX',
  /** `/traefik/…`: the etcd driver never sees such keys in Traefik (traefik/traefik#11416). */
  leadingSlash: 'SY_KEY_LEADING_SLASH',
  /** `traefik/http//routers/…`: an empty segment after the root. */
  emptySegment: 'SY_KEY_EMPTY_SEGMENT',
  /** Under the root but outside http/tcp/udp/tls: Traefik ignores it, and so do we, loudly. */
  ignored: 'SY_KEY_IGNORED',
  /** A section Traefik reads but Switchyard does not implement yet (tcp, udp, serversTransports). */
  unsupported: 'SY_KEY_UNSUPPORTED',
  /** A service type Traefik has that Switchyard does not implement yet: the service is disabled, never half-served. */
  unsupportedType: 'SY_KEY_UNSUPPORTED_TYPE',
  /** A file-provider file that is not valid YAML/TOML. */
  fileParse: 'SY_FILE_PARSE',
} as const;

export type KeyCodeValue = (typeof KeyCode)[keyof typeof KeyCode];

/** Codes that describe keys we skip rather than objects we disable: worth a warning, not an error. */
export const warningCodes: ReadonlySet<string> = new Set([KeyCode.ignored, KeyCode.unsupported]);
