import type { AutoinjectReport } from '../../src/autoinject';
import { renderAutoinjectText, renderRestartText } from '../../src/autoinject/render';

const report: AutoinjectReport = {
  action: 'enable',
  namespace: 'shop',
  outcome: 'enabled',
  ok: true,
  enabled: true,
  summary: 'auto-injection is on for shop; 1 running workload(s) lack the sidecar until restarted',
  details: ['labelled namespace shop istio-injection=enabled', 'a dry-run probe pod came back with istio-proxy injected'],
  labels: { 'istio-injection': 'enabled' },
  revision: 'default',
  injectors: [
    { name: 'mesh-sidecar-injector', revision: 'default', managedBy: 'mesh', target: 'https://127.0.0.1:8443/inject', failurePolicy: 'Fail', usable: true, problems: [] },
  ],
  coverage: { pods: 2, withSidecar: 0, workloads: [{ kind: 'Deployment', name: 'web', pods: 2, withSidecar: 0, restartable: true }] },
  missingSidecar: ['Deployment/web'],
  restartable: [{ kind: 'Deployment', name: 'web' }],
};

describe('text rendering', () => {
  it('shows the outcome, the proof, the injector, coverage and the restart offer', () => {
    expect(renderAutoinjectText(report)).toBe(
      [
        '✓ auto-injection is on for shop; 1 running workload(s) lack the sidecar until restarted',
        '  labelled namespace shop istio-injection=enabled',
        '  a dry-run probe pod came back with istio-proxy injected',
        '  injector mesh-sidecar-injector (mesh, revision default, https://127.0.0.1:8443/inject): healthy',
        '  sidecar coverage: 0 of 2 pods',
        '    Deployment/web: 0/2 with istio-proxy',
        '  1 workload(s) lack the sidecar until restarted: Deployment/web',
        '  restart them with: mesh autoinject restart shop',
        '',
      ].join('\n'),
    );
  });

  it('lists restarts and failures', () => {
    expect(renderRestartText({ namespace: 'shop', restarted: [], failed: [] })).toBe('nothing to restart in shop\n');
    expect(
      renderRestartText({ namespace: 'shop', restarted: [{ kind: 'Deployment', name: 'a' }], failed: [{ workload: { kind: 'StatefulSet', name: 'b' }, error: 'forbidden' }] }),
    ).toBe('restarted Deployment/a\ncould not restart StatefulSet/b: forbidden\n');
  });
});
