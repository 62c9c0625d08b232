/**
 * @module The listeners' TLS settings → `tls/options/default`. HAProxy sets them per `ssl` bind,
 * with `global ssl-default-bind-options|ciphers|curves` as their defaults; Traefik sets them per
 * host, through the TLS options routers name. The faithful translation of what every TLS bind
 * shares is the default options, which apply to every name: it is written only when all TLS binds
 * end with the same settings, and otherwise each bind that differs from the first is reported.
 */
import { OPENSSL_CIPHERS_TO_GO, OPENSSL_CURVES_TO_GO } from '../../tls/tls-names.ts';
import type { FindingSource } from './findings.ts';
import type { ProxyView } from './proxy-view.ts';
import type { TranslationContext } from './translation-context.ts';

/** What the options keys will say; absent fields are the node's defaults. */
export interface TlsSettings {
  readonly minVersion?: string;
  readonly maxVersion?: string;
  readonly cipherSuites?: readonly string[];
  readonly curvePreferences?: readonly string[];
  readonly clientAuth?: { readonly caFiles: readonly string[]; readonly clientAuthType: string };
}

/** One source of settings (the global defaults, or a bind line), as read, before they combine. */
export interface TlsSettingWords {
  readonly proxy: ProxyView | string;
  /** The line reports name (the global defaults are read from up to four lines). */
  source: FindingSource;
  min?: number;
  max?: number;
  readonly disabled: Set<number>;
  cipherSuites?: readonly string[];
  curvePreferences?: readonly string[];
  verify?: string;
  caFile?: string;
}

/** TLS versions as numbers: 10 = TLS 1.0 … 13 = TLS 1.3 (SSLv3 is 3: never translated). */
const VERSIONS: Readonly<Record<string, number>> = { SSLv3: 3, 'TLSv1.0': 10, 'TLSv1.1': 11, 'TLSv1.2': 12, 'TLSv1.3': 13 };
const GO_VERSION: Readonly<Record<number, string>> = { 10: 'VersionTLS10', 11: 'VersionTLS11', 12: 'VersionTLS12', 13: 'VersionTLS13' };
const ORDERED = [10, 11, 12, 13] as const;
const HAPROXY_MIN = 12;

export function emptySettingWords(proxy: ProxyView | string, source: FindingSource): TlsSettingWords {
  return { proxy, source, disabled: new Set() };
}

/**
 * Reads one TLS setting (`option` with its `value`) into `into`; true when it is one. Values that
 * do not translate are reported and left out (the node's default then applies).
 */
export function readTlsSetting(option: string, value: string, into: TlsSettingWords, tx: TranslationContext): boolean {
  const report = (message: string): void => tx.report('deviation', into.proxy, into.source, `${option} ${value}: ${message}`.replace(/ :/, ':'));
  switch (option) {
    case 'ssl-min-ver':
    case 'ssl-max-ver': {
      const version = VERSIONS[value];
      if (version === undefined || version === 3) report('not a TLS version the node offers (TLSv1.0 to TLSv1.3); the node\'s default applies');
      else if (option === 'ssl-min-ver') into.min = version;
      else into.max = version;
      return true;
    }
    case 'no-sslv3':
      return true;
    case 'no-tlsv10':
    case 'no-tlsv11':
    case 'no-tlsv12':
    case 'no-tlsv13':
      into.disabled.add(Number(option.slice('no-tlsv'.length)));
      return true;
    case 'force-tlsv10':
    case 'force-tlsv11':
    case 'force-tlsv12':
    case 'force-tlsv13':
      into.min = into.max = Number(option.slice('force-tlsv'.length));
      return true;
    case 'ciphers': {
      // Only exact suite names translate; OpenSSL's aliases and operators (HIGH, !aNULL, +) do not.
      const names = value.split(':').filter((n) => n !== '');
      const unknown = names.filter((n) => OPENSSL_CIPHERS_TO_GO[n] === undefined);
      if (unknown.length > 0) report(`${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not a TLS 1.2 suite Traefik names (cipherSuites takes exact names, no OpenSSL aliases or operators); the node's default suites apply`);
      else into.cipherSuites = names.map((n) => OPENSSL_CIPHERS_TO_GO[n]!);
      return true;
    }
    case 'ciphersuites':
      report('TLS 1.3 suites are not configurable in Traefik\'s TLS options; the node\'s default TLS 1.3 suites apply');
      return true;
    case 'curves': {
      const names = value.split(':').filter((n) => n !== '');
      const unknown = names.filter((n) => OPENSSL_CURVES_TO_GO[n] === undefined);
      if (unknown.length > 0) report(`${unknown.join(', ')}: curvePreferences takes X25519, P-256, P-384, P-521; the node's default curves apply`);
      else into.curvePreferences = [...new Set(names.map((n) => OPENSSL_CURVES_TO_GO[n]!))];
      return true;
    }
    case 'verify':
      if (value !== 'none' && value !== 'optional' && value !== 'required') report('not none, optional or required');
      else into.verify = value;
      return true;
    case 'ca-file':
      into.caFile = value;
      return true;
    default:
      return false;
  }
}

/** The settings a bind ends with: its own over the global defaults, versions as a contiguous range. */
export function combineTlsSettings(global: TlsSettingWords | undefined, bind: TlsSettingWords, tx: TranslationContext): TlsSettings {
  const min = bind.min ?? global?.min;
  const max = bind.max ?? global?.max;
  const disabled = new Set([...(global?.disabled ?? []), ...bind.disabled]);
  // HAProxy's own minimum (since 2.2) is TLS 1.2, as the node's.
  const allowed = ORDERED.filter((v) => v >= (min ?? HAPROXY_MIN) && (max === undefined || v <= max) && !disabled.has(v));
  const out: { -readonly [K in keyof TlsSettings]: TlsSettings[K] } = {};
  if (min !== undefined || max !== undefined || disabled.size > 0) {
    if (allowed.length === 0) {
      tx.report('unsupported', bind.proxy, bind.source, 'the bind allows no TLS version the node offers; the node\'s defaults apply');
    } else {
      const high = allowed.at(-1)!;
      // A gap cannot be said with a minimum and a maximum: the newest unbroken run is kept (stricter, never looser).
      let low = high;
      while ((allowed as readonly number[]).includes(low - 1)) low--;
      if (low !== allowed[0]) tx.report('deviation', bind.proxy, bind.source, `TLS versions with a gap cannot be translated: only ${GO_VERSION[low]} to ${GO_VERSION[high]} are allowed`);
      // TLS 1.2 to 1.3 is what the node allows anyway: written when the configuration speaks of versions.
      if (min !== undefined || disabled.size > 0 || low !== HAPROXY_MIN) out.minVersion = GO_VERSION[low];
      if (high !== 13) out.maxVersion = GO_VERSION[high];
    }
  }
  const cipherSuites = bind.cipherSuites ?? global?.cipherSuites;
  if (cipherSuites !== undefined) out.cipherSuites = cipherSuites;
  const curves = bind.curvePreferences ?? global?.curvePreferences;
  if (curves !== undefined) out.curvePreferences = curves;
  const verify = bind.verify ?? global?.verify;
  const caFile = bind.caFile ?? global?.caFile;
  if (verify === 'optional' || verify === 'required') {
    if (caFile === undefined) tx.report('unsupported', bind.proxy, bind.source, `verify ${verify} without ca-file: client certificates cannot be verified; not translated`);
    else out.clientAuth = { caFiles: [caFile], clientAuthType: verify === 'required' ? 'RequireAndVerifyClientCert' : 'VerifyClientCertIfGiven' };
  }
  return out;
}

/**
 * Writes `tls/options/default` when every TLS bind has the same settings (and some are set);
 * reports each bind that differs from the first, which then gets the first's.
 */
export function writeDefaultTlsOptions(binds: ReadonlyArray<{ readonly words: TlsSettingWords; readonly settings: TlsSettings }>, tx: TranslationContext): void {
  const first = binds[0];
  if (first === undefined) return;
  const text = JSON.stringify(first.settings);
  for (const bind of binds.slice(1)) {
    if (JSON.stringify(bind.settings) === text) continue;
    tx.report('unsupported', bind.words.proxy, bind.words.source, `the TLS settings of this bind differ from those at line ${first.words.source.line}: Traefik's TLS options apply per host, not per listener, and the import writes one set (the default options) from the first TLS bind`);
  }
  if (text === '{}') return;
  tx.keys.tlsOptions('default', first.settings as Readonly<Record<string, unknown>>);
}
