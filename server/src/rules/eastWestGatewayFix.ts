import { eastWestGatewayGenerator, meshFilesOf } from '../generators/eastWest';
import type { Cluster, MeshModel } from '../mesh/model';
import type { Fix } from './finding';

/**
 * The generator of a cluster's missing east-west gateway, written beside its control plane install (MESH203, and
 * MESH106 when the mesh has no east-west gateway yet). None for a cluster without a network, or whose istiod is
 * hosted in another cluster's folder, which is the wrong place for the gateway.
 */
export function eastWestGatewayFix(mesh: MeshModel, cluster: Cluster): Fix | undefined {
  const install = cluster.controlPlanes[0];
  if (!install || !cluster.network) return undefined;
  if (cluster.externalControlPlanes.some((hosted) => hosted.install === install)) return undefined;
  return eastWestGatewayGenerator(install, cluster.name, cluster.network, meshFilesOf(mesh));
}
