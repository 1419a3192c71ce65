#!/usr/bin/env node
// Derives, from the Istio reference data, which top-level values keys each Istio Helm chart has, and writes
// server/src/resources/helmChartKeys.json with its provenance. Run: npm run generate:chart-keys
//   ISTIO_REFERENCE_DIR   the reference data (default: ../shared/istio-reference next to the repository)
//   --out FILE            where to write (default: server/src/resources/helmChartKeys.json)
//
// Only key NAMES are taken (no defaults, no descriptions). Sources, per chart:
//   istiod   istio-discovery/values.yaml: the keys under `_internal_defaults_do_not_set`, and `global`'s keys
//   gateway  gateway/values.schema.json: the properties of `$defs.values`
//   cni      Sail Operator IstioCNI CRD: `spec.values` properties (the chart's own values are not in the data)
//   ztunnel  Sail Operator ZTunnel CRD: `spec.values.ztunnel` properties (the chart's values, nested by Sail)
//            plus `global`
// Every chart also takes the keys its shared profile template reads (`profile`, `compatibilityVersion`,
// `platform`: istio/manifests/charts/base/files/profile-*.yaml are applied through them); istiod also takes
// `pilot`, the IstioOperator-shaped alias of its own keys that the docs' Helm tab uses (`pilot.env...`).
// The `base` chart's values are not in the reference data, so it is not judged.
// The Sail Operator's `Istio`, `IstioCNI` and `ZTunnel` CRDs: the names of `spec`'s fields, of `spec.values`' keys and
// of `spec.values.global`'s keys (the CRDs are structural: the API server drops any other key).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import yaml from 'js-yaml';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const referenceDir = resolve(process.env.ISTIO_REFERENCE_DIR ?? join(REPO_ROOT, '..', 'shared', 'istio-reference'));
const outIndex = process.argv.indexOf('--out');
const outFile = resolve(outIndex > 0 ? process.argv[outIndex + 1] : join(REPO_ROOT, 'server', 'src', 'resources', 'helmChartKeys.json'));

const SOURCES = {
  istio: 'github.com/istio/istio @ 86c9f01fd735fb01d8192f5bcaf0d424afb7f14c',
  sail: 'github.com/istio-ecosystem/sail-operator @ 328df99dc9fc973a7dd0c6442145dc86459a1481',
};
const PROFILE_KEYS = ['profile', 'compatibilityVersion', 'platform'];

const read = (path) => readFileSync(join(referenceDir, path), 'utf8');
const sorted = (keys) => [...new Set(keys)].sort();

/** The `spec` schema of a Sail Operator CRD's stored version. */
function crdSpec(path) {
  const crd = yaml.load(read(path));
  const served = crd.spec.versions.find((v) => v.storage) ?? crd.spec.versions[0];
  return served.schema.openAPIV3Schema.properties.spec;
}

function crdValues(path) {
  return crdSpec(path).properties.values.properties;
}

/**
 * The Sail Operator's kinds: `spec`'s fields, `spec.values`' top-level keys and `spec.values.global`'s keys. Their
 * schemas are structural (no preserve-unknown-fields), so the API server prunes any other key.
 */
function sailKind(file) {
  // Every served version counts (ZTunnel v1alpha1 has `profile`, v1 `targetRef`): a key is unknown only if no version has it.
  const specs = yaml
    .load(read(`sail-operator/chart/crds/${file}`))
    .spec.versions.filter((v) => v.served)
    .map((v) => v.schema.openAPIV3Schema.properties.spec);
  const values = specs.map((spec) => spec.properties.values.properties);
  return {
    source: `${SOURCES.sail} chart/crds/${file}`,
    specKeys: sorted(specs.flatMap((spec) => Object.keys(spec.properties))),
    valuesKeys: sorted(values.flatMap((v) => Object.keys(v))),
    globalKeys: sorted(values.flatMap((v) => Object.keys(v.global?.properties ?? {}))),
  };
}

const discovery = yaml.load(read('istio/manifests/charts/istio-control/istio-discovery/values.yaml'))._internal_defaults_do_not_set;
const gatewaySchema = JSON.parse(read('istio/manifests/charts/gateway/values.schema.json'));
const cniValues = crdValues('sail-operator/chart/crds/sailoperator.io_istiocnis.yaml');
const ztunnelValues = crdValues('sail-operator/chart/crds/sailoperator.io_ztunnels.yaml');

const charts = {
  istiod: {
    source: `${SOURCES.istio} manifests/charts/istio-control/istio-discovery/values.yaml`,
    keys: sorted([...Object.keys(discovery), ...PROFILE_KEYS, 'pilot']),
    globalKeys: sorted(Object.keys(discovery.global)),
  },
  gateway: {
    source: `${SOURCES.istio} manifests/charts/gateway/values.schema.json`,
    keys: sorted([...Object.keys(gatewaySchema.$defs.values.properties), ...PROFILE_KEYS].filter((k) => k !== '_internal_defaults_do_not_set')),
  },
  cni: {
    source: `${SOURCES.sail} chart/crds/sailoperator.io_istiocnis.yaml (spec.values)`,
    keys: sorted([...Object.keys(cniValues), ...PROFILE_KEYS]),
  },
  ztunnel: {
    source: `${SOURCES.sail} chart/crds/sailoperator.io_ztunnels.yaml (spec.values.ztunnel)`,
    keys: sorted([...Object.keys(ztunnelValues.ztunnel.properties), 'global', ...PROFILE_KEYS]),
  },
};

const sail = {
  Istio: sailKind('sailoperator.io_istios.yaml'),
  IstioCNI: sailKind('sailoperator.io_istiocnis.yaml'),
  ZTunnel: sailKind('sailoperator.io_ztunnels.yaml'),
};

const output = {
  $comment: 'Generated by scripts/generate-chart-keys.mjs from the Istio reference data; do not edit. Key names only.',
  charts,
  sail,
};
writeFileSync(outFile, JSON.stringify(output, null, 2) + '\n');
console.log(`wrote ${outFile}`);
