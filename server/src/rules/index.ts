import { misspeltApiGroupRule } from './apiGroup';
import { sharedDestinationRule } from './compose/sharedDestination';
import { templateFileRule } from './compose/templateFile';
import { controlPlaneSettingsInGatewayInstall } from './controlPlaneSettingsInGatewayInstall';
import { DEPLOYMENT_MODEL_RULES } from './deploymentModel';
import { duplicateObjects } from './duplicateObjects';
import { EXTERNAL_CONTROL_PLANE_RULES } from './externalControlPlane';
import { GATEWAY_RULES } from './gateways';
import { INSTALL_SOURCE_RULES } from './installSources';
import { MESH_IDENTITY_RULES } from './meshIdentity';
import { removedValuesRule } from './removedValues';
import type { Rule } from './rule';
import { SCHEMA_RULES } from './schema';
import { SECRET_RULES } from './secrets';
import { SERVICE_ENTRY_RULES } from './serviceEntries';
import { SERVICE_RULES } from './services';
import { TRUST_RULES } from './trust';
import { unassignedFile } from './unassignedFile';

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
  controlPlaneSettingsInGatewayInstall,
  templateFileRule,
  sharedDestinationRule,
];
