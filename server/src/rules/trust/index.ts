import type { Rule } from '../rule';
import { cacertsAbsent } from './mesh600';
import { rootCertificatesDiffer } from './mesh601';
import { caCertsInconsistent } from './mesh602';
import { caCertificateExpiry } from './mesh603';
import { cacertsPartial } from './mesh604';

/** Trust checks on the plug-in CA (MESH600–MESH604). */
export const TRUST_RULES: readonly Rule[] = [cacertsAbsent, rootCertificatesDiffer, caCertsInconsistent, caCertificateExpiry, cacertsPartial];
