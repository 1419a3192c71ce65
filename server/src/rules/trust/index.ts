import type { Rule } from '../rule';
import { bundleNotRead } from './bundles';
import { caAddressWithoutIstioCsr, issuerNotFound, istioCsrClusterId, istiodOwnCaWithIstioCsr } from './certManagerRules';
import { committedKeyMaterial } from './keyMaterial';
import { cacertsAbsent } from './mesh600';
import { rootCertificatesDiffer } from './mesh601';
import { caCertsInconsistent } from './mesh602';
import { caCertificateExpiry } from './mesh603';
import { cacertsPartial } from './mesh604';
import { providersCannotShareRoot } from './mesh605';
import { istioCsrTrustDomainMismatch, spireTrustDomainMismatch, trustDomainsDiffer } from './trustDomains';

/** Trust checks: the plug-in CA (MESH600–MESH604) and the other providers of the root of trust (MESH605–MESH614). */
export const TRUST_RULES: readonly Rule[] = [
  cacertsAbsent,
  rootCertificatesDiffer,
  caCertsInconsistent,
  caCertificateExpiry,
  cacertsPartial,
  providersCannotShareRoot,
  issuerNotFound,
  istioCsrClusterId,
  istiodOwnCaWithIstioCsr,
  caAddressWithoutIstioCsr,
  trustDomainsDiffer,
  spireTrustDomainMismatch,
  committedKeyMaterial,
  bundleNotRead,
  istioCsrTrustDomainMismatch,
];
