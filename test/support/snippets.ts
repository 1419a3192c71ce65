import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO_ROOT } from './paths';

/**
 * The extension's snippets, and their expansion as VS Code inserts them when the user accepts every tab stop as
 * offered: a placeholder's text, a choice's first option, a variable's value (else its default). A tab stop written
 * more than once mirrors the first occurrence that offers a text. The grammar is VS Code's snippet syntax
 * (https://code.visualstudio.com/docs/editing/userdefinedsnippets#_grammar) without transforms, which the
 * extension's snippets do not use (an expansion meeting one fails, so a new snippet using one is noticed).
 */

export interface Snippet {
  name: string;
  prefix: string;
  description: string;
  body: string;
}

export function extensionSnippets(): Snippet[] {
  const file = JSON.parse(readFileSync(join(REPO_ROOT, 'snippets', 'istio-mesh.code-snippets'), 'utf8')) as Record<
    string,
    { prefix: string; description: string; body: string | string[] }
  >;
  return Object.entries(file).map(([name, s]) => ({
    name,
    prefix: s.prefix,
    description: s.description,
    body: Array.isArray(s.body) ? s.body.join('\n') : s.body,
  }));
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'tabstop'; index: number; placeholder?: Node[]; choices?: string[] }
  | { kind: 'variable'; name: string; fallback?: Node[] };

class SnippetParser {
  private at = 0;
  constructor(private readonly source: string) {}

  parse(): Node[] {
    const nodes = this.nodes(false);
    if (this.at < this.source.length) this.fail('unexpected "}"');
    return nodes;
  }

  /** Nodes up to the end, or (inside a placeholder) up to its unescaped `}`. */
  private nodes(inPlaceholder: boolean): Node[] {
    const nodes: Node[] = [];
    let text = '';
    const flush = () => {
      if (text) nodes.push({ kind: 'text', text });
      text = '';
    };
    while (this.at < this.source.length) {
      const char = this.source[this.at];
      if (char === '\\' && '$}\\'.includes(this.source[this.at + 1] ?? '')) {
        text += this.source[this.at + 1];
        this.at += 2;
      } else if (char === '}' && inPlaceholder) {
        break;
      } else if (char === '$') {
        const node = this.dollar();
        if (node) {
          flush();
          nodes.push(node);
        } else {
          text += '$';
        }
      } else {
        text += char;
        this.at++;
      }
    }
    flush();
    return nodes;
  }

  /** What follows a `$`: a tab stop, a variable, or (neither) a literal `$`. */
  private dollar(): Node | undefined {
    const rest = this.source.slice(this.at + 1);
    const simple = /^(\d+|[A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
    if (simple) {
      this.at += 1 + simple[0].length;
      return /^\d/.test(simple[0]) ? { kind: 'tabstop', index: Number(simple[0]) } : { kind: 'variable', name: simple[0] };
    }
    const braced = /^\{(\d+|[A-Za-z_][A-Za-z0-9_]*)([:|/}])/.exec(rest);
    if (!braced) {
      this.at++;
      return undefined;
    }
    const [whole, id, marker] = braced;
    this.at += 1 + whole.length;
    const isTabstop = /^\d/.test(id);
    if (marker === '/') this.fail(`transforms are not supported (\${${id}/...})`);
    if (marker === '}') return isTabstop ? { kind: 'tabstop', index: Number(id) } : { kind: 'variable', name: id };
    if (marker === '|') {
      if (!isTabstop) this.fail(`a variable cannot offer choices (\${${id}|...})`);
      return { kind: 'tabstop', index: Number(id), choices: this.choices() };
    }
    const inner = this.nodes(true);
    if (this.source[this.at] !== '}') this.fail(`\${${id}:...} is not closed`);
    this.at++;
    return isTabstop ? { kind: 'tabstop', index: Number(id), placeholder: inner } : { kind: 'variable', name: id, fallback: inner };
  }

  /** `a,b|}` after `${n|`. */
  private choices(): string[] {
    const choices: string[] = [];
    let choice = '';
    while (this.at < this.source.length) {
      const char = this.source[this.at];
      if (char === '\\' && ',|\\'.includes(this.source[this.at + 1] ?? '')) {
        choice += this.source[this.at + 1];
        this.at += 2;
      } else if (char === ',') {
        choices.push(choice);
        choice = '';
        this.at++;
      } else if (char === '|' && this.source[this.at + 1] === '}') {
        choices.push(choice);
        this.at += 2;
        return choices;
      } else {
        choice += char;
        this.at++;
      }
    }
    return this.fail('a choice is not closed with |}');
  }

  private fail(message: string): never {
    throw new Error(`snippet syntax at ${this.at}: ${message}`);
  }
}

export interface ExpandOptions {
  /** Values of VS Code's variables (`TM_FILENAME`); one not given takes its default. */
  variables?: Record<string, string>;
  /** What the user types into a tab stop instead of what it offers, by index. */
  typed?: Record<number, string>;
}

/** What each tab stop offers, by index: the first placeholder's nodes, else the first choice. */
function offersOf(nodes: Node[], offers = new Map<number, Node[] | string>()): Map<number, Node[] | string> {
  for (const node of nodes) {
    if (node.kind === 'tabstop') {
      if (!offers.has(node.index) && (node.placeholder || node.choices)) offers.set(node.index, node.placeholder ?? node.choices![0]);
      if (node.placeholder) offersOf(node.placeholder, offers);
    } else if (node.kind === 'variable' && node.fallback) {
      offersOf(node.fallback, offers);
    }
  }
  return offers;
}

function render(nodes: Node[], offers: Map<number, Node[] | string>, options: ExpandOptions): string {
  return nodes
    .map((node) => {
      if (node.kind === 'text') return node.text;
      if (node.kind === 'variable') return options.variables?.[node.name] ?? (node.fallback ? render(node.fallback, offers, options) : '');
      const typed = options.typed?.[node.index];
      if (typed !== undefined) return typed;
      const offer = offers.get(node.index);
      return offer === undefined ? '' : typeof offer === 'string' ? offer : render(offer, offers, options);
    })
    .join('');
}

/** The text VS Code inserts for a snippet body. */
export function expandSnippet(body: string, options: ExpandOptions = {}): string {
  const nodes = new SnippetParser(body).parse();
  return render(nodes, offersOf(nodes), options);
}

/** The text each tab stop offers, by index. */
export function tabstopOffers(body: string): Map<number, string> {
  const offers = offersOf(new SnippetParser(body).parse());
  return new Map([...offers].map(([index, offer]) => [index, typeof offer === 'string' ? offer : render(offer, offers, {})]));
}
