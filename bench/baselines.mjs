// The baselines the benchmark compares Istio Mesh with, each run as its own process on a mesh folder:
//   node bench/baselines.mjs js-yaml DIR     read every YAML file and load its documents with js-yaml (the floor)
//   node bench/baselines.mjs yaml DIR        the same with the `yaml` package's parseAllDocuments (exact ranges)
//   node bench/baselines.mjs yaml-ls DIR     yaml-language-server alone validating every file against the same
//                                            schemas Istio Mesh uses (server/src/schemas/*.json, combined by kind)
// Each prints one JSON line: { documents, ms, rssMB } (ms measured inside the process, after module loading).
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCHEMA_DIR = join(REPO_ROOT, 'server', 'src', 'schemas');

function yamlFiles(folder) {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/i.test(entry.name) ? [path] : [];
  });
}

/**
 * One schema for every document: the per-kind schemas Istio Mesh validates with, each applied when `kind`
 * says so — what a user would have to configure to get the same checks from yaml-language-server.
 */
export function combinedSchema() {
  const kinds = readdirSync(SCHEMA_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(SCHEMA_DIR, f), 'utf8')));
  return {
    type: 'object',
    allOf: kinds
      .filter((s) => s['x-istio-mesh-kind'])
      .map((schema) => ({
        if: { properties: { kind: { const: schema['x-istio-mesh-kind'] } }, required: ['kind'] },
        then: schema,
      })),
  };
}

async function yamlLanguageServer(files) {
  const { getLanguageService } = require('yaml-language-server');
  const { TextDocument } = require('vscode-languageserver-textdocument');
  const schemaUri = 'file:///istio-mesh-bench/combined.schema.json';
  const schemaText = JSON.stringify(combinedSchema());
  const service = getLanguageService({
    schemaRequestService: async (uri) => (uri === schemaUri ? schemaText : Promise.reject(new Error(`no schema ${uri}`))),
    workspaceContext: { resolveRelativePath: (relative, resource) => new URL(relative, resource).toString() },
  });
  service.configure({ validate: true, isKubernetes: false, schemas: [{ uri: schemaUri, fileMatch: ['*.yaml', '*.yml'] }] });
  const started = performance.now();
  let diagnostics = 0;
  for (const path of files) {
    const document = TextDocument.create(pathToFileURL(path).toString(), 'yaml', 1, readFileSync(path, 'utf8'));
    diagnostics += (await service.doValidation(document, false)).length;
  }
  return { ms: performance.now() - started, diagnostics };
}

function parseAll(files, load) {
  const started = performance.now();
  let documents = 0;
  for (const path of files) documents += load(readFileSync(path, 'utf8'));
  return { ms: performance.now() - started, documents };
}

const [mode, dir] = process.argv.slice(2);
const files = yamlFiles(dir);
let result;
if (mode === 'js-yaml') {
  const jsYaml = require('js-yaml');
  result = parseAll(files, (text) => jsYaml.loadAll(text).length);
} else if (mode === 'yaml') {
  const { parseAllDocuments } = require('yaml');
  result = parseAll(files, (text) => parseAllDocuments(text).length);
} else if (mode === 'yaml-ls') {
  result = await yamlLanguageServer(files);
} else {
  throw new Error(`unknown baseline ${mode} (js-yaml, yaml, yaml-ls)`);
}
console.log(JSON.stringify({ ...result, files: files.length, rssMB: process.resourceUsage().maxRSS / 1024 }));
