// The built-in injector is the pinned Istio chart's own templates and values, embedded in src/istio/istio-chart.json
// by scripts/istio/embed-chart.mjs. This checks the embedded copy against the Istio module in the Go module cache
// (scripts/istio/build.sh or `go mod download` puts it there; the test fails, not skips, without it).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import chart from '../../src/istio/istio-chart.json';
import { ISTIO_MODULE_VERSION, ISTIO_RELEASE, meshCacheRoot } from '../../src/cluster/versions';

const ROOT = path.resolve(__dirname, '../..');
const moduleDir = path.join(process.env.GOMODCACHE ?? path.join(meshCacheRoot(), 'go/mod'), `istio.io/istio@${ISTIO_MODULE_VERSION}`);

describe('the embedded Istio chart', () => {
  it('is the pinned release', () => {
    expect({ module: chart.module, release: chart.release }).toEqual({ module: `istio.io/istio@${ISTIO_MODULE_VERSION}`, release: ISTIO_RELEASE });
  });

  it('holds every injection template the chart ConfigMap names, each byte-equal to the module file', () => {
    expect(Object.keys(chart.templates).sort()).toEqual(
      ['agentgateway', 'agentgateway-waypoint', 'gateway', 'grpc-agent', 'grpc-simple', 'kube-gateway', 'sidecar', 'waypoint'],
    );
    const files: Record<string, string> = chart.files;
    for (const file of Object.values(chart.templates)) {
      expect(files[file]).toBe(readFileSync(path.join(moduleDir, chart.chart, file), 'utf8'));
    }
  });

  it('is exactly what the generator makes from the module (templates, files and values)', () => {
    const check = spawnSync(process.execPath, [path.join(ROOT, 'scripts/istio/embed-chart.mjs'), '--check'], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
