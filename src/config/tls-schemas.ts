/** @module TLS section schemas: certificates, options and stores (`<root>/tls/…`). */

import { z } from 'zod';
import { inlinePairProblem, isInlinePem, TLS_CERTIFICATE_CODE } from '../tls/certificate-pem.ts';
import { caPemProblem, CLIENT_AUTH_CODE, CLIENT_AUTH_TYPES, clientAuthTypeProblem } from '../tls/client-auth.ts';

/** Inline PEM is checked here, at decode time, so the key at fault is named before anything serves. */
function pemPairChecked<S extends z.ZodType<{ certFile: string; keyFile: string }>>(schema: S) {
  return schema.superRefine((value, context) => {
    const problem = inlinePairProblem(value.certFile, value.keyFile);
    if (problem === undefined) return;
    context.addIssue({ code: 'custom', message: problem.message, path: [problem.field], params: { code: TLS_CERTIFICATE_CODE }, input: value });
  });
}

/** certFile/keyFile hold a path on the node or the PEM text itself (Traefik's FileOrContent). */
export const tlsCertificateSchema = pemPairChecked(
  z.object({
    certFile: z.string(),
    keyFile: z.string(),
    stores: z.array(z.string()).optional(),
  }),
);

const tlsVersion = z.enum(['VersionTLS10', 'VersionTLS11', 'VersionTLS12', 'VersionTLS13']);

export const tlsOptionsSchema = z.object({
  minVersion: tlsVersion.optional(),
  maxVersion: tlsVersion.optional(),
  cipherSuites: z.array(z.string()).optional(),
  curvePreferences: z.array(z.string()).optional(),
  sniStrict: z.boolean().optional(),
  alpnProtocols: z.array(z.string()).optional(),
  disableSessionTickets: z.boolean().optional(),
  /** Deprecated in Go (golang/go#45430) and ignored, but still a key Traefik decodes. */
  preferServerCipherSuites: z.boolean().optional(),
  clientAuth: z.object({ caFiles: z.array(z.string()).optional(), clientAuthType: z.enum(CLIENT_AUTH_TYPES).optional() }).optional(),
}).superRefine((value, context) => {
  // Checked at decode time like certificates, so the options key at fault is named before anything
  // serves; CA files given as paths are read (and checked) when the runtime is built.
  const clientAuth = value.clientAuth;
  if (clientAuth === undefined) return;
  const typeProblem = clientAuthTypeProblem(clientAuth);
  if (typeProblem !== undefined) context.addIssue({ code: 'custom', message: typeProblem, path: ['clientAuth', 'clientAuthType'], params: { code: CLIENT_AUTH_CODE }, input: value });
  for (const [i, caFile] of (clientAuth.caFiles ?? []).entries()) {
    const problem = isInlinePem(caFile) ? caPemProblem(caFile) : undefined;
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem, path: ['clientAuth', 'caFiles', i], params: { code: CLIENT_AUTH_CODE }, input: value });
  }
});

/** A certificate's domains: the main name and its subject alternative names. */
export const tlsDomainSchema = z.object({ main: z.string().optional(), sans: z.array(z.string()).optional() });

export const tlsStoreSchema = z.object({
  defaultCertificate: pemPairChecked(z.object({ certFile: z.string(), keyFile: z.string() })).optional(),
  defaultGeneratedCert: z.object({ resolver: z.string().optional(), domain: tlsDomainSchema.optional() }).optional(),
});

export type TlsCertificate = z.output<typeof tlsCertificateSchema>;
export type TlsOptions = z.output<typeof tlsOptionsSchema>;
export type TlsStore = z.output<typeof tlsStoreSchema>;
export type TlsDomain = z.output<typeof tlsDomainSchema>;
