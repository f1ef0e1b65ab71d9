// `mesh apps`: the registry's apps with their source and limits, and the named clusters.
import { UserError } from '../errors';
import { appsFromEnv, describeLimits, describeSource } from '../apps';
import type { CliIO } from './io';

export async function run(args: string[], io: CliIO): Promise<number> {
  if (args.length > 0) throw new UserError(`mesh apps takes no arguments (got "${args[0]}")`);
  const { registry } = appsFromEnv(io.env);
  const lines = [`${registry.apps.length} app(s) from ${registry.source}`];
  for (const app of registry.apps) {
    const limits = describeLimits(app);
    lines.push(`  ${app.name.padEnd(20)} ${describeSource(app)}${limits.length ? `  (${limits.join('; ')})` : ''}`);
  }
  for (const c of registry.clusters) {
    const where = c.target.kind === 'eks' ? `EKS ${c.target.clusterName} ${c.target.endpoint}` : `context ${c.target.context}${c.target.kubeconfig ? ` in ${c.target.kubeconfig}` : ''}`;
    lines.push(`cluster ${c.name}${c.name === registry.defaultCluster ? ' (default)' : ''}: ${where}`);
  }
  io.stdout(`${lines.join('\n')}\n`);
  return 0;
}
