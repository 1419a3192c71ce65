import type { Rule } from './rule';
import { unassignedFile } from './unassignedFile';
import { duplicateObjects } from './duplicateObjects';
import { MESH_IDENTITY_RULES } from './meshIdentity';
import { DEPLOYMENT_MODEL_RULES } from './deploymentModel';
import { SECRET_RULES } from './secrets';
import { TRUST_RULES } from './trust';
import { GATEWAY_RULES } from './gateways';
import { SERVICE_ENTRY_RULES } from './serviceEntries';
import { SERVICE_RULES } from './services';
import { SCHEMA_RULES } from './schema';
import { removedValuesRule } from './removedValues';
import { misspeltApiGroupRule } from './apiGroup';
import { INSTALL_SOURCE_RULES } from './installSources';
import { EXTERNAL_CONTROL_PLANE_RULES } from './externalControlPlane';
import { templateFileRule } from './compose/templateFile';
import { sharedDestinationRule } from './compose/sharedDestination';

/** Every rule, in the order their findings are listed. Adding a rule means adding it here and its docs page. */
export const ALL_RULES: readonly Rule[] = [
  unassignedFile,
  duplicateObjects,
  ...MESH_IDENTITY_RULES,
  ...DEPLOYMENT_MODEL_RULES,
  ...EXTERNAL_CONTROL_PLANE_RULES,
  ...SECRET_RULES,
  ...TRUST_RULES,
  ...GATEWAY_RULES,
  ...SERVICE_ENTRY_RULES,
  ...SERVICE_RULES,
  ...SCHEMA_RULES,
  removedValuesRule,
  misspeltApiGroupRule,
  ...INSTALL_SOURCE_RULES,
  templateFileRule,
  sharedDestinationRule,
];
