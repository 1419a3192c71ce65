import { locationKey } from '../../parse/text';
import { istioChartName } from '../../resources/installSources';
import type { Located } from '../../resources/resource';
import { isRecord, scalarString } from '../../resources/resource';
import type { Finding, Fix } from '../finding';
import { yamlScalar } from '../fixes';
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

/** What a rejected protocol is replaced by: its upper-case spelling when that is valid, else TCP. */
function replacementOf(protocol: Located<string>): string {
  const upper = protocol.value.toUpperCase();
  return SERVICE_PROTOCOLS.includes(upper) ? upper : 'TCP';
}

function adviceFor(protocol: Located<string>): string {
  const upper = protocol.value.toUpperCase();
  const appProtocol = ISTIO_PROTOCOL_WORDS[upper];
  if (SERVICE_PROTOCOLS.includes(upper)) return `Write it as \`${upper}\`: the value is case-sensitive.`;
  if (appProtocol)
    return `The protocol of a Service port is the transport: write \`TCP\`, and tell Istio the application protocol with \`appProtocol: ${appProtocol}\` or a port name starting with \`${appProtocol}-\`.`;
  return 'Write `TCP`, `UDP` or `SCTP`.';
}

/** One finding per Service: the same slip copied into each of its ports is one mistake, fixed at once. */
function finding(protocols: Located<string>[], where: string): Finding {
  const [first, ...others] = protocols;
  const written = [...new Set(protocols.map((p) => `\`${p.value}\``))].join(', ');
  const ports = protocols.length === 1 ? 'port protocol' : `${protocols.length} port protocols`;
  const fix: Fix = {
    title:
      protocols.length === 1
        ? `Change protocol to ${replacementOf(first)}`
        : `Change the ${protocols.length} protocols to ${[...new Set(protocols.map(replacementOf))].join('/')}`,
    preferred: true,
    edits: protocols.map((p) => ({ location: p.location(), newText: yamlScalar(replacementOf(p)) })),
  };
  return {
    code: serviceProtocolRejected.code,
    severity: serviceProtocolRejected.severity,
    message: `${where} has ${ports} ${written}, which Kubernetes rejects (a Service port's protocol is one of TCP, UDP, SCTP): the Service is not created or updated. ${adviceFor(first)}`,
    location: first.location(),
    ...(others.length ? { related: others.map((p) => ({ location: p.location(), message: `protocol ${p.value}` })) } : {}),
    fixes: [fix],
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
          const protocols = resource
            .list([...gateway.path, 'k8s', 'service', 'ports'])
            .map(({ path }) => resource.locatedString([...path, 'protocol']))
            .filter(rejected);
          if (protocols.length) findings.push(finding(protocols, `The Service of gateway ${name}`));
        }
      }
    }
    const reported = new Set<string>();
    for (const install of mesh.installs) {
      if (istioChartName(install.chart?.value) !== 'gateway' || !install.values) continue;
      const ports = install.values.get(['service', 'ports']);
      if (!Array.isArray(ports)) continue;
      const values = install.values;
      const protocols = ports
        .map((port, index) =>
          isRecord(port) && typeof port.protocol === 'string' ? values.located(['service', 'ports', index, 'protocol'], port.protocol) : undefined,
        )
        .filter(rejected);
      // A values file several releases read (an umbrella's values.yaml) holds one mistake.
      const key = protocols.length ? locationKey(protocols[0].location()) : undefined;
      if (key && !reported.has(key)) {
        reported.add(key);
        findings.push(finding(protocols, "The gateway chart's service.ports"));
      }
    }
    return findings;
  },
};
