import { qualifiedName } from '../resources/fields';
import type { RemoteSecret } from '../resources/remoteSecret';

/**
 * The facts findings explain or follow from (`Finding.explains`, `Finding.explainedBy`), named in one place so
 * that a root finding and its consequences, written in different rules, spell a fact the same way. A fact is
 * about one mesh: the engine folds findings of the same mesh only.
 */

function ofCluster(cluster: string | undefined): string {
  return cluster === undefined ? 'of the unassigned files' : `of ${cluster}`;
}

/** A VirtualService of `cluster` is bound to this Gateway, which is not defined there (MESH401). */
export function gatewayMissing(cluster: string | undefined, namespace: string, name: string): string {
  return `Gateway ${namespace}/${name} ${ofCluster(cluster)} is missing`;
}

/** No VirtualService routes this PASSTHROUGH port of a Gateway (MESH406; MESH202 for istiod's ports). */
export function passthroughPortUnrouted(cluster: string | undefined, gateway: string, port: number): string {
  return `PASSTHROUGH port ${port} of Gateway ${gateway} ${ofCluster(cluster)} has no route`;
}

/** Two control planes declare this clusterName (MESH102): whatever is known of that cluster may be another's. */
export function clusterNameShared(name: string): string {
  return `clusterName ${name} is declared by more than one control plane`;
}

/** `holder` holds a remote secret meant for `target` that registers another cluster (MESH302, MESH307). */
export function remoteSecretRegistersAnother(holder: string, target: string): string {
  return `the remote secret ${holder} holds for ${target} registers another cluster`;
}

/** The data key, annotation and name of one remote secret name different clusters (MESH307). */
export function remoteSecretDisagrees(secret: RemoteSecret): string {
  return `remote secret ${qualifiedName(secret.resource)} (${secret.resource.file}, document ${secret.resource.doc.index}) disagrees about its cluster`;
}

/** The mesh has more than one network: what multi-network checks (MESH105, MESH203, MESH204) follow from. */
export function severalNetworks(): string {
  return 'the mesh has more than one network';
}

/** This cluster's network is the odd one out among the mesh's clusters (MESH106). */
export function networkIsOddOneOut(cluster: string): string {
  return `the network of ${cluster} differs from every other cluster's`;
}
