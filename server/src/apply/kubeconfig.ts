import { isRecord, scalarString } from '../resources/resource';
import { describeProgramFailure, ProgramOutputError, quoteOutput, runProgram } from './programs';

/** A kube context as Istio Mesh keeps it: names and the server address only, never a user's credentials. */
export interface KubeContext {
  name: string;
  cluster?: string;
  namespace?: string;
  server?: string;
}

export interface KubeContexts {
  contexts: KubeContext[];
  currentContext?: string;
}

const CONFIG_VIEW_ARGS = ['config', 'view', '-o', 'json'];

/**
 * Reads the contexts out of a kubeconfig as JSON (`kubectl config view -o json`). The `users` section is not
 * read at all, so no credential can travel further than this function. Output that is not a JSON object (a
 * wrapper script that prints a banner, a program that is not kubectl) is a ProgramOutputError naming `program`.
 */
export function contextsFromConfigView(json: string, program = 'kubectl'): KubeContexts {
  const shown = `${program} ${CONFIG_VIEW_ARGS.join(' ')}`;
  if (!json.trim()) throw new ProgramOutputError(`${shown} printed nothing (kubectl prints the kubeconfig as JSON)`);
  let config: unknown;
  try {
    config = JSON.parse(json);
  } catch {
    throw new ProgramOutputError(`${shown} printed something that is not JSON: ${quoteOutput(json)}`);
  }
  if (!isRecord(config)) throw new ProgramOutputError(`${shown} printed JSON that is not a kubeconfig: ${quoteOutput(json)}`);
  const entries = (key: string) => (Array.isArray(config[key]) ? (config[key] as unknown[]).filter(isRecord) : []);
  const servers = new Map<string, string | undefined>();
  for (const entry of entries('clusters')) {
    const name = scalarString(entry.name);
    if (name) servers.set(name, isRecord(entry.cluster) ? scalarString(entry.cluster.server) : undefined);
  }
  const contexts: KubeContext[] = [];
  for (const entry of entries('contexts')) {
    const name = scalarString(entry.name);
    if (!name) continue;
    const context = isRecord(entry.context) ? entry.context : {};
    const cluster = scalarString(context.cluster);
    contexts.push({ name, cluster, namespace: scalarString(context.namespace), server: cluster ? servers.get(cluster) : undefined });
  }
  return { contexts, currentContext: scalarString(config['current-context']) || undefined };
}

/**
 * The contexts kubectl sees (KUBECONFIG with several paths merged, else ~/.kube/config). `--raw` is never
 * passed: kubectl then prints REDACTED/DATA+OMITTED in place of credentials.
 */
export async function readKubeContexts(kubectl: string, env: NodeJS.ProcessEnv = process.env): Promise<KubeContexts> {
  const result = await runProgram(kubectl, CONFIG_VIEW_ARGS, { env, timeoutMs: 15000 });
  if (result.exitCode !== 0) throw new ProgramOutputError(`${kubectl} ${CONFIG_VIEW_ARGS.join(' ')} ${describeProgramFailure(result)}`);
  return contextsFromConfigView(result.stdout, kubectl);
}

/** `*` matches any run of characters (slashes too: EKS contexts are ARNs), `?` one; case-insensitive. */
export function matchesContextPattern(context: string, pattern: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i').test(context);
}

export function isProtectedContext(context: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => matchesContextPattern(context, pattern));
}

/** Contexts ordered for choosing one for `cluster`: names containing the cluster name first, then the rest. */
export function contextsByLikelihood(cluster: string | undefined, contexts: readonly KubeContext[]): KubeContext[] {
  if (!cluster) return [...contexts];
  const needle = cluster.toLowerCase();
  const score = (c: KubeContext) =>
    c.name.toLowerCase() === needle ? 0 : c.name.toLowerCase().includes(needle) ? 1 : c.cluster?.toLowerCase().includes(needle) ? 2 : 3;
  return [...contexts].sort((a, b) => score(a) - score(b));
}
