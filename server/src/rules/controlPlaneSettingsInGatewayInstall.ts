import { clustersOfResource } from '../mesh/model';
import type { ValuePath } from '../parse/yamlFile';
import { isRecord } from '../resources/resource';
import type { Finding } from './finding';
import type { MeshRule } from './rule';

/** Settings only istiod (or its injector and mesh config map) reads: a gateway-only install renders none of them. */
const CONTROL_PLANE_SETTINGS: { path: ValuePath; what: string }[] = [
  { path: ['spec', 'meshConfig'], what: 'meshConfig (the mesh config map istiod reads)' },
  { path: ['spec', 'values', 'pilot'], what: 'values.pilot (istiod itself)' },
  { path: ['spec', 'values', 'sidecarInjectorWebhook'], what: 'values.sidecarInjectorWebhook (the injector of the control plane)' },
  { path: ['spec', 'components', 'pilot', 'k8s'], what: 'components.pilot.k8s (the istiod deployment)' },
];

/** `a`, `a and b`, `a, b and c`. */
function listed(items: string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items.at(-1)}` : items[0];
}

/**
 * MESH812: an IstioOperator that installs only gateways (`profile: empty`, or istiod disabled) but sets
 * control-plane settings. The operator renders only the gateways' charts, so those settings change nothing; they
 * were usually meant for the cluster's control plane install, where they are missing.
 */
export const controlPlaneSettingsInGatewayInstall: MeshRule = {
  scope: 'mesh',
  code: 'MESH812',
  title: 'Control-plane settings in an install that installs only gateways',
  severity: 'warning',
  check(mesh) {
    const findings: Finding[] = [];
    for (const install of mesh.installs) {
      const resource = install.resource;
      if (resource.kind !== 'IstioOperator' || install.installsControlPlane || !install.gateways.length) continue;
      // Settings copied from the control plane's file are one mistake: one finding, at the first of them.
      const set = CONTROL_PLANE_SETTINGS.filter(({ path }) => {
        const value = resource.get(path);
        return isRecord(value) && Object.keys(value).length > 0;
      });
      if (!set.length) continue;
      const gateways = install.gateways.map((g) => g.name).join(', ');
      const clusters = clustersOfResource(mesh, resource);
      findings.push({
        code: controlPlaneSettingsInGatewayInstall.code,
        severity: controlPlaneSettingsInGatewayInstall.severity,
        message: `This IstioOperator installs only gateways (${gateways}; ${install.profile ? `profile ${install.profile.value}` : 'istiod disabled'}), yet sets ${listed(set.map(({ what }) => what))}: no control plane is rendered from it, so these settings have no effect. Move them to the install of the cluster's control plane.`,
        location: resource.location(set[0].path, 'key'),
        ...(set.length > 1
          ? {
              related: set
                .slice(1)
                .map(({ path }) => ({ location: resource.location(path, 'key'), message: `${path.slice(1).join('.')} has no effect either` })),
            }
          : {}),
        ...(clusters.length === 1 ? { cluster: clusters[0] } : {}),
      });
    }
    return findings;
  },
};
