import { istioChartName } from '../../resources/installSources';
import type { Located } from '../../resources/resource';
import { isRecord, scalarString } from '../../resources/resource';
import type { Finding } from '../finding';
import { replaceValueFix } from '../fixes';
import type { MeshRule } from '../rule';

/** The only values core/v1 ServicePort.protocol takes, spelt exactly so. */
const SERVICE_PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

/** What Istio reads the application protocol from instead: a Gateway or DestinationRule word, not a Service one. */
const ISTIO_PROTOCOL_WORDS: Record<string, string> = {
  HTTP: 'http',
  HTTPS: 'https',
  HTTP2: 'http2',
  GRPC: 'grpc',
  TLS: 'tls',
  MONGO: 'mongo',
  REDIS: 'redis',
  MYSQL: 'mysql',
};

function finding(protocol: Located<string>, where: string): Finding {
  const upper = protocol.value.toUpperCase();
  const valid = SERVICE_PROTOCOLS.includes(upper);
  const appProtocol = ISTIO_PROTOCOL_WORDS[upper];
  const advice = valid
    ? `Write it as \`${upper}\`: the value is case-sensitive.`
    : appProtocol
      ? `The protocol of a Service port is the transport: write \`TCP\`, and tell Istio the application protocol with \`appProtocol: ${appProtocol}\` or a port name starting with \`${appProtocol}-\`.`
      : 'Write `TCP`, `UDP` or `SCTP`.';
  const replacement = valid ? upper : 'TCP';
  return {
    code: serviceProtocolRejected.code,
    severity: serviceProtocolRejected.severity,
    message: `${where} has port protocol \`${protocol.value}\`, which Kubernetes rejects (a Service port's protocol is one of TCP, UDP, SCTP): the Service is not created or updated. ${advice}`,
    location: protocol.location(),
    fixes: [replaceValueFix(`Change protocol to ${replacement}`, protocol, replacement)],
  };
}

function rejected(protocol: Located<string> | undefined): protocol is Located<string> {
  return !!protocol && !protocol.isPlaceholder && !SERVICE_PROTOCOLS.includes(protocol.value);
}

/**
 * MESH702: `protocol: TLS` or `HTTP` on a gateway's Service port (the Gateway's words, copied into the Service), in an
 * IstioOperator gateway's `k8s.service.ports` or the gateway chart's `service.ports`. The API server refuses the
 * Service; Istio reads the application protocol from `appProtocol` or the port name. A Service written out is
 * checked by its schema (SCHEMA003), so it is not reported here a second time.
 */
export const serviceProtocolRejected: MeshRule = {
  scope: 'mesh',
  code: 'MESH702',
  title: 'A Service port protocol Kubernetes rejects',
  severity: 'error',
  check(mesh) {
    const findings: Finding[] = [];
    for (const resource of mesh.resources) {
      if (resource.kind !== 'IstioOperator') continue;
      for (const kind of ['ingressGateways', 'egressGateways']) {
        for (const gateway of resource.list(['spec', 'components', kind])) {
          const name = scalarString(gateway.item.name) ?? kind;
          for (const { path } of resource.list([...gateway.path, 'k8s', 'service', 'ports'])) {
            const protocol = resource.locatedString([...path, 'protocol']);
            if (rejected(protocol)) findings.push(finding(protocol, `The Service of gateway ${name}`));
          }
        }
      }
    }
    for (const install of mesh.installs) {
      if (istioChartName(install.chart?.value) !== 'gateway' || !install.values) continue;
      const ports = install.values.get(['service', 'ports']);
      if (!Array.isArray(ports)) continue;
      ports.forEach((port, index) => {
        if (!isRecord(port) || typeof port.protocol !== 'string') return;
        const protocol = install.values!.located(['service', 'ports', index, 'protocol'], port.protocol);
        if (rejected(protocol)) findings.push(finding(protocol, `The gateway chart's service.ports[${index}]`));
      });
    }
    return findings;
  },
};
