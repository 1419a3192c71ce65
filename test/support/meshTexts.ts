/** The smallest IstioOperator that gives a cluster its identity: meshID, cluster name and network1. */
export const controlPlane = (cluster: string, meshID: string) => `apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
spec:
  values:
    global:
      meshID: ${meshID}
      multiCluster:
        clusterName: ${cluster}
      network: network1
`;
