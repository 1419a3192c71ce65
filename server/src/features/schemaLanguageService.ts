// Completion and hover from the JSON Schemas, served by yaml-language-server's language service in-process.
// Validation stays with our ajv rules (validate: false), so nothing is reported twice.
import type { CompletionItem, Position } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { getLanguageService, type LanguageService } from 'yaml-language-server/lib/esm/languageservice/yamlLanguageService.js';

import { isRecord } from '../resources/resource';
import { combinedSchema } from '../schemas';

const SCHEMA_URI = 'istio-mesh://schemas/istio-mesh.json';

/** Our descriptions are Markdown (links, code): yaml-language-server renders `markdownDescription` as such. */
function withMarkdownDescriptions(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withMarkdownDescriptions);
  if (!isRecord(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) out[key] = key === 'enum' ? value : withMarkdownDescriptions(value);
  if (typeof schema.description === 'string') out.markdownDescription = schema.description;
  return out;
}

/** Schema completion and hover for every YAML document; results are plain data that the server merges with others. */
export class SchemaLanguageService {
  private readonly service: LanguageService;

  constructor() {
    this.service = getLanguageService({
      // The one schema is given inline: nothing is ever fetched.
      schemaRequestService: (uri: string) => Promise.reject(new Error(`no schema at ${uri}`)),
      workspaceContext: { resolveRelativePath: (relativePath: string) => relativePath },
    });
    this.service.configure({
      validate: false,
      completion: true,
      hover: true,
      hoverSchemaSource: false,
      isKubernetes: false,
      schemas: [{ uri: SCHEMA_URI, fileMatch: ['*.yaml', '*.yml', '*'], schema: withMarkdownDescriptions(combinedSchema()), name: 'Istio Mesh' }],
    });
  }

  async complete(document: TextDocument, position: Position): Promise<CompletionItem[]> {
    const list = await this.service.doComplete(document, position, false);
    return list?.items ?? [];
  }

  /** Markdown describing the field under the cursor (its description and allowed values; never its value). */
  async hover(document: TextDocument, position: Position): Promise<string | undefined> {
    const hover = await this.service.doHover(document, position);
    const contents = hover?.contents;
    if (!contents) return undefined;
    if (typeof contents === 'string') return contents || undefined;
    if ('kind' in contents) return contents.value || undefined;
    const parts = Array.isArray(contents) ? contents : [contents];
    const text = parts.map((part) => (typeof part === 'string' ? part : part.value)).join('\n\n');
    return text || undefined;
  }
}
