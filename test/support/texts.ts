// Texts many tests write: one definition each, so a test says only what differs.

/**
 * An IstioOperator installing the control plane of `cluster` in mesh1, network network1; `globalExtra` is written
 * right after the network (more `values.global` lines, each starting with a newline and six spaces).
 */
export function controlPlaneText(cluster: string, globalExtra = ''): string {
  return `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  values:
    global:
      meshID: mesh1
      multiCluster:
        clusterName: ${cluster}
      network: network1${globalExtra}
`;
}
