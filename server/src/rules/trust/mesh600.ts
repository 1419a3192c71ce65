import type { MeshRule } from '../rule';
import { meshAnchor } from '../secrets/places';
import { createCacertsCommand, PLUGIN_CA_DOCS } from './common';

/** cacerts holds the CA's private key, so most repositories hold none: say once how to create it. */
export const cacertsAbsent: MeshRule = {
  scope: 'mesh',
  code: 'MESH600',
  title: 'No cacerts secret in any cluster',
  severity: 'information',
  check(mesh) {
    if (mesh.clusters.size < 2 || [...mesh.clusters.values()].some((c) => c.cacerts)) return [];
    const location = meshAnchor(mesh);
    if (!location) return [];
    const first = [...mesh.clusters.keys()].sort()[0];
    return [{
      code: cacertsAbsent.code,
      severity: cacertsAbsent.severity,
      location,
      message:
        `No cluster of this mesh has a \`cacerts\` secret in the workspace (it holds a CA key and is usually created, not committed). ` +
        `The clusters need a common root of trust: give each an intermediate CA from one root, e.g. for ${first}: ` +
        `\`${createCacertsCommand(first, mesh.controlPlaneNamespace)}\`, and likewise for the others (${PLUGIN_CA_DOCS}).`,
    }];
  },
};
