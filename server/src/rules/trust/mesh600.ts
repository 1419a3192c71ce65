import type { MeshRule } from '../rule';
import { meshAnchor } from '../secrets/places';
import { createCacertsCommand, describeProviders, PLUGIN_CA_DOCS, trustProviderOf } from './common';

/** cacerts holds the CA's private key, so most repositories hold none: say once how to create it. */
export const cacertsAbsent: MeshRule = {
  scope: 'mesh',
  code: 'MESH600',
  title: 'No cacerts secret in any cluster',
  severity: 'information',
  check(mesh) {
    const clusters = [...mesh.clusters.values()].sort((a, b) => a.name.localeCompare(b.name));
    if (clusters.length < 2 || clusters.some((c) => c.cacerts)) return [];
    const location = meshAnchor(mesh);
    if (!location) return [];
    // Another provider (cert-manager, istio-csr, SPIRE) supplies the root: no cacerts is expected, say which once.
    const provided = clusters.filter(trustProviderOf);
    if (provided.length) {
      return [
        {
          code: cacertsAbsent.code,
          severity: cacertsAbsent.severity,
          location,
          message:
            `No cacerts secret is committed, as expected: the root of trust comes from ${describeProviders(provided)}. ` +
            `The cacerts checks do not apply to ${provided.length === clusters.length ? 'these clusters' : provided.map((c) => c.name).join(', ')}; their roots are compared instead (MESH601).`,
        },
      ];
    }
    const first = clusters[0].name;
    // SPIRE installed beside an istiod that signs with its own CA: SPIRE's roots are not the mesh's.
    const idleSpire = clusters.filter((c) => c.unusedTrustProviders.some((p) => p.kind === 'spire')).map((c) => c.name);
    const spireNote = idleSpire.length
      ? ` SPIRE is installed in ${idleSpire.join(', ')}, but istiod's values do not mount its socket (no \`spire\` injection template), so istiod still signs the workloads with its own CA.`
      : '';
    return [
      {
        code: cacertsAbsent.code,
        severity: cacertsAbsent.severity,
        location,
        message:
          `No cluster of this mesh has a \`cacerts\` secret in the workspace (it holds a CA key and is usually created, not committed).${spireNote} ` +
          `The clusters need a common root of trust: give each an intermediate CA from one root, e.g. for ${first}: ` +
          `\`${createCacertsCommand(first, mesh.controlPlaneNamespace)}\`, and likewise for the others (${PLUGIN_CA_DOCS}).`,
      },
    ];
  },
};
