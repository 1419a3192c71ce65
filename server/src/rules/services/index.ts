import type { Rule } from '../rule';
import { inconsistentService } from './inconsistentService';

/** Services seen from several clusters (MESH701). */
export const SERVICE_RULES: readonly Rule[] = [inconsistentService];
