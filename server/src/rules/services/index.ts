import type { Rule } from '../rule';
import { inconsistentService } from './inconsistentService';
import { serviceProtocolRejected } from './serviceProtocolRejected';

/** Services seen from several clusters (MESH701), and Service ports Kubernetes refuses (MESH702). */
export const SERVICE_RULES: readonly Rule[] = [inconsistentService, serviceProtocolRejected];
