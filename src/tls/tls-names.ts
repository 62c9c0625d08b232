/**
 * @module Go's TLS names (what Traefik's TLS options take) and OpenSSL's (what Node's secure
 * contexts and HAProxy's configuration take), both ways.
 */

/**
 * Go's TLS 1.2 cipher-suite names (what Traefik's `cipherSuites` takes) → OpenSSL's. TLS 1.3 suites
 * are not configurable in Go, and Traefik ignores them there; so do we.
 */
export const GO_CIPHERS_TO_OPENSSL: Readonly<Record<string, string>> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA: 'ECDHE-RSA-DES-CBC3-SHA',
  TLS_RSA_WITH_3DES_EDE_CBC_SHA: 'DES-CBC3-SHA',
};

/** Go curve names → OpenSSL group names. */
export const GO_CURVES_TO_OPENSSL: Readonly<Record<string, string>> = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519', secp256r1: 'P-256', secp384r1: 'P-384' };

/** OpenSSL cipher name → Go's (the first Go name listed for it). */
export const OPENSSL_CIPHERS_TO_GO: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(GO_CIPHERS_TO_OPENSSL)
    .reverse()
    .map(([go, openssl]) => [openssl, go]),
);

/** OpenSSL group names, aliases included → Go's curve names. */
export const OPENSSL_CURVES_TO_GO: Readonly<Record<string, string>> = {
  X25519: 'X25519',
  'P-256': 'CurveP256',
  prime256v1: 'CurveP256',
  secp256r1: 'CurveP256',
  'P-384': 'CurveP384',
  secp384r1: 'CurveP384',
  'P-521': 'CurveP521',
  secp521r1: 'CurveP521',
};
