import type { Rule } from '../rule';
import { duplicateServiceEntryAddress, globalEndpointNotOnGatewayPort, globalHostWithoutAddress } from './globalServiceEntries';

/** ServiceEntries of the multi-control-plane `*.global` model (MESH501–MESH503). */
export const SERVICE_ENTRY_RULES: readonly Rule[] = [globalHostWithoutAddress, duplicateServiceEntryAddress, globalEndpointNotOnGatewayPort];
