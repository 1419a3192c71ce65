// Texts many tests write: one definition each, so a test says only what differs.

/** An IstioOperator installing the control plane of `cluster` in mesh1, network network1. */
export function controlPlaneText(cluster: string): string {
  return `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  values:
    global:
      meshID: mesh1
      multiCluster:
        clusterName: ${cluster}
      network: network1
`;
}
