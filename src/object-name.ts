// How mesh names a Kubernetes object in what it says: one place, so every door and report spells it alike.

/** `Kind/name` (e.g. `Deployment/web`), as mesh's reports name workloads and objects. */
export function kindSlashName(ref: { kind: string; name?: string }): string {
  return `${ref.kind}/${ref.name ?? '?'}`;
}

/** `kind/name` in lower case (e.g. `deployment/web`), as kubectl prints it. */
export function kubectlName(ref: { kind: string; name?: string }): string {
  return `${ref.kind.toLowerCase()}/${ref.name ?? '?'}`;
}
