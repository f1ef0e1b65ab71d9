/** Plain-text rendering of auto-injection reports for the CLI and the console. */
import type { AutoinjectReport, RestartReport } from './index';
import { kindSlashName } from '../object-name';

export function renderAutoinjectText(report: AutoinjectReport): string {
  const lines = [`${report.ok ? '✓' : '✗'} ${report.summary}`];
  for (const detail of report.details) lines.push(`  ${detail}`);
  if (report.action !== 'status') {
    for (const injector of report.injectors) {
      lines.push(`  injector ${injector.name} (${injector.managedBy}, revision ${injector.revision}, ${injector.target}): ${injector.usable ? 'healthy' : injector.problems.join('; ')}`);
    }
  }
  const { coverage } = report;
  if (coverage.workloads.length > 0) {
    lines.push(`  sidecar coverage: ${coverage.withSidecar} of ${coverage.pods} pods`);
    for (const w of coverage.workloads) lines.push(`    ${kindSlashName(w)}: ${w.withSidecar}/${w.pods} with istio-proxy`);
  }
  if (report.restartable.length > 0) {
    const verb = report.action === 'disable' ? 'still carry' : 'lack';
    lines.push(
      `  ${report.restartable.length} workload(s) ${verb} the sidecar until restarted: ${report.restartable.map((w) => `${kindSlashName(w)}`).join(', ')}`,
      `  restart them with: mesh autoinject restart ${report.namespace}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function renderRestartText(report: RestartReport): string {
  const lines =
    report.restarted.length === 0 && report.failed.length === 0
      ? [`nothing to restart in ${report.namespace}`]
      : [
          ...report.restarted.map((w) => `restarted ${kindSlashName(w)}`),
          ...report.failed.map((f) => `could not restart ${kindSlashName(f.workload)}: ${f.error}`),
        ];
  return `${lines.join('\n')}\n`;
}
