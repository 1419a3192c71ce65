import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';

import { secretValues } from './remoteSecret';
import type { Located, Resource } from './resource';

/** The Secret istiod reads its plugged-in CA from (`kubectl create secret generic cacerts -n istio-system ...`). */
export const CACERTS_SECRET_NAME = 'cacerts';

/** The keys of the `cacerts` Secret; istiod also accepts the `kubernetes.io/tls` names (cert-manager's output). */
const ISTIO_KEYS = { caCert: 'ca-cert.pem', caKey: 'ca-key.pem', rootCert: 'root-cert.pem', certChain: 'cert-chain.pem' } as const;
const TLS_KEYS = { caCert: 'tls.crt', caKey: 'tls.key', rootCert: 'ca.crt', certChain: 'tls.crt' } as const;
type Role = keyof typeof ISTIO_KEYS;

/** What a certificate says about itself. Only public facts: never the certificate body. */
export interface CertificateFacts {
  /** SHA-256 fingerprint, `AB:CD:...`. */
  fingerprint: string;
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  isCA: boolean;
}

/** One PEM value of the secret (`root-cert.pem`, ...), reduced to facts. */
export interface PemEntry {
  /** The data key, where findings about this value are reported. */
  key: Located<string>;
  certificates: CertificateFacts[];
  /** Filled in at apply time (`${ROOT_CERT}`): not checked. */
  placeholder: boolean;
  /** Why the value could not be read, in words (never the value). */
  problem?: string;
}

/** A link of cert-chain.pem that does not hold, in words. */
export interface ChainProblem {
  message: string;
}

/**
 * The facts of a `cacerts` Secret. Key material is read once, when the secret is read, to compute these
 * facts; no key or certificate body is kept.
 */
export interface CaCertsFacts {
  caCert?: PemEntry;
  caKey?: PemEntry;
  rootCert?: PemEntry;
  certChain?: PemEntry;
  /** Istio keys that are absent while others are present (an incomplete plug-in CA). */
  missingKeys: string[];
  /** Whether ca-cert.pem is signed by a certificate of root-cert.pem (or is one); undefined when either is unreadable. */
  caSignedByRoot?: boolean;
  /** The first inconsistency of cert-chain.pem; undefined when it is consistent or cannot be checked. */
  chainProblem?: ChainProblem;
  /** Whether ca-key.pem is the private key of ca-cert.pem; undefined when either is unreadable. */
  keyMatchesCert?: boolean;
}

export interface CaCerts extends CaCertsFacts {
  resource: Resource;
  /** Clusters the secret is applied to. */
  holders: string[];
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** `AB:CD:EF:01:23:45:67:89…`: enough to tell certificates apart in a message. */
export function shortFingerprint(fingerprint: string): string {
  return fingerprint.length > 23 ? `${fingerprint.slice(0, 23)}…` : fingerprint;
}

/** `"CN=Root A" (SHA-256 AB:CD:…)`: how a certificate is named in messages; never its body. */
export function describeCertificate(certificate: CertificateFacts): string {
  return `"${certificate.subject}" (SHA-256 ${shortFingerprint(certificate.fingerprint)})`;
}

/** The certificates of a PEM text, as facts; empty when it holds none or one cannot be parsed. */
export function readCertificates(text: string): CertificateFacts[] {
  const { certificates, problem } = parseCertificates(text);
  return problem ? [] : certificates.map(factsOf);
}

/** True when the text is an unencrypted PEM private key (real key material, not a placeholder). */
export function isPrivateKey(text: string): boolean {
  try {
    createPrivateKey(text);
    return true;
  } catch {
    return false;
  }
}

/** A certificate's subject on one line (`CN=Root A, O=Example`). */
function oneLine(distinguishedName: string): string {
  return distinguishedName.split('\n').filter(Boolean).join(', ');
}

function factsOf(certificate: X509Certificate): CertificateFacts {
  return {
    fingerprint: certificate.fingerprint256,
    subject: oneLine(certificate.subject),
    issuer: oneLine(certificate.issuer),
    notBefore: new Date(certificate.validFrom),
    notAfter: new Date(certificate.validTo),
    isCA: certificate.ca,
  };
}

function parseCertificates(text: string): { certificates: X509Certificate[]; problem?: string } {
  const blocks = text.match(CERTIFICATE_BLOCK) ?? [];
  if (!blocks.length) return { certificates: [], problem: 'holds no PEM certificate' };
  const certificates: X509Certificate[] = [];
  for (const [index, block] of blocks.entries()) {
    try {
      certificates.push(new X509Certificate(block));
    } catch {
      return { certificates, problem: `holds a certificate (#${index + 1}) that cannot be parsed` };
    }
  }
  return { certificates };
}

/** True when `child` names `parent` as its issuer and `parent`'s key verifies its signature. */
function issuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

function spki(key: ReturnType<typeof createPublicKey>): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

/** Whether the private key is the one of the certificate; false also for key types node cannot compare. */
function publicKeysEqual(privateKey: ReturnType<typeof createPrivateKey>, certificate: X509Certificate): boolean {
  try {
    return spki(createPublicKey(privateKey)).equals(spki(certificate.publicKey));
  } catch {
    return false;
  }
}

/** cert-chain.pem must run ca-cert → intermediates → a root of root-cert.pem (the root itself may end it). */
function chainProblem(chain: X509Certificate[], caCert: X509Certificate | undefined, roots: X509Certificate[]): ChainProblem | undefined {
  if (!chain.length) return undefined;
  if (caCert && chain[0].fingerprint256 !== caCert.fingerprint256) {
    return { message: `cert-chain.pem starts with "${oneLine(chain[0].subject)}", not with the certificate of ca-cert.pem ("${oneLine(caCert.subject)}")` };
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!issuedBy(chain[i], chain[i + 1])) {
      return {
        message: `in cert-chain.pem, certificate #${i + 1} ("${oneLine(chain[i].subject)}") is not signed by the next one ("${oneLine(chain[i + 1].subject)}")`,
      };
    }
  }
  const last = chain[chain.length - 1];
  const anchored = roots.some((root) => root.fingerprint256 === last.fingerprint256 || issuedBy(last, root));
  if (roots.length && !anchored) {
    return { message: `cert-chain.pem ends at "${oneLine(last.subject)}", which no certificate of root-cert.pem signs` };
  }
  return undefined;
}

const factsCache = new WeakMap<Resource, CaCertsFacts>();

/** Reads the PEMs of a `cacerts` Secret into facts, once per parsed resource. */
function readFacts(resource: Resource): CaCertsFacts {
  const cached = factsCache.get(resource);
  if (cached) return cached;
  const values = secretValues(resource);
  const names = values.has(ISTIO_KEYS.caCert) || !values.has(TLS_KEYS.caCert) ? ISTIO_KEYS : TLS_KEYS;
  const parsed = new Map<Role, X509Certificate[]>();
  const facts: CaCertsFacts = { missingKeys: [] };
  let privateKey: ReturnType<typeof createPrivateKey> | undefined;
  for (const role of Object.keys(ISTIO_KEYS) as Role[]) {
    const value = values.get(names[role]);
    if (!value) continue;
    const entry: PemEntry = { key: value.key, certificates: [], placeholder: value.placeholder };
    facts[role] = entry;
    if (value.placeholder) continue;
    if (value.text === undefined) {
      entry.problem = 'is not valid base64';
    } else if (role === 'caKey') {
      try {
        privateKey = createPrivateKey(value.text);
      } catch {
        entry.problem = 'is not an unencrypted PEM private key';
      }
    } else {
      const { certificates, problem } = parseCertificates(value.text);
      entry.problem = problem;
      entry.certificates = certificates.map(factsOf);
      if (!problem) parsed.set(role, certificates);
    }
  }
  if (names === ISTIO_KEYS && values.size > 0 && (facts.caCert || facts.caKey || facts.rootCert || facts.certChain)) {
    facts.missingKeys = [ISTIO_KEYS.caCert, ISTIO_KEYS.caKey, ISTIO_KEYS.rootCert].filter((key) => !values.has(key));
  }
  const caCert = parsed.get('caCert')?.[0];
  const roots = parsed.get('rootCert') ?? [];
  if (caCert && roots.length) facts.caSignedByRoot = roots.some((root) => root.fingerprint256 === caCert.fingerprint256 || issuedBy(caCert, root));
  const chain = parsed.get('certChain');
  if (chain && names === ISTIO_KEYS) facts.chainProblem = chainProblem(chain, caCert, roots);
  if (caCert && privateKey) facts.keyMatchesCert = publicKeysEqual(privateKey, caCert);
  factsCache.set(resource, facts);
  return facts;
}

export function isCaCertsSecret(resource: Resource): boolean {
  return resource.kind === 'Secret' && resource.name === CACERTS_SECRET_NAME;
}

/** The facts of a `cacerts` Secret, or undefined when the resource is not one. */
export function readCaCerts(resource: Resource, holders: string[]): CaCerts | undefined {
  if (!isCaCertsSecret(resource)) return undefined;
  return { resource, holders, ...readFacts(resource) };
}

/** The root fingerprints a cluster trusts, from root-cert.pem. */
export function rootFingerprints(cacerts: CaCerts): string[] {
  return cacerts.rootCert?.certificates.map((c) => c.fingerprint) ?? [];
}
