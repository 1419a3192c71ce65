/**
 * The line a usage error prints after its message: where the usage is, not the whole usage, which would bury the
 * message. `command` is the subcommand whose usage is meant (none for the tool's own).
 */
export function usageHint(command?: string): string {
  return `Run istio-mesh ${command ? `${command} ` : ''}--help for usage`;
}
