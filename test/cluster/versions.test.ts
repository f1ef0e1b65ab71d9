import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  binDir, ETCD_VERSION, istioDir, ISTIO_CANARY_MODULE_VERSION, ISTIO_CANARY_RELEASE, ISTIO_MODULE_VERSION, ISTIO_RELEASE, K8S_VERSION, KWOK_VERSION, meshCacheRoot,
} from '../../src/cluster/versions';

describe('control-plane versions', () => {
  it('agree between the build script and the runtime', () => {
    const script = readFileSync(path.join(__dirname, '../../scripts/cluster/build.sh'), 'utf8');
    expect(script).toContain(`\nETCD_VERSION=${ETCD_VERSION}\n`);
    expect(script).toContain(`\nK8S_VERSION=${K8S_VERSION}\n`);
    expect(script).toContain(`\nKWOK_VERSION=${KWOK_VERSION}\n`);
  });

  it('cache binaries per user, keyed by version, honouring XDG_CACHE_HOME', () => {
    expect(meshCacheRoot({ XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/mesh');
    expect(meshCacheRoot({ HOME: '/home/u' })).toBe('/home/u/.cache/mesh');
    expect(meshCacheRoot({ MESH_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' })).toBe('/c');
    expect(binDir({ HOME: '/home/u' })).toBe(`/home/u/.cache/mesh/k8s-${K8S_VERSION}-etcd-${ETCD_VERSION}-kwok-${KWOK_VERSION}/bin`);
  });
});

describe('Istio pin', () => {
  it('agrees between scripts/istio/build.sh and the runtime, and names where the build puts its output', () => {
    const script = readFileSync(path.join(__dirname, '../../scripts/istio/build.sh'), 'utf8');
    expect(script).toContain(`\nISTIO_MODULE_VERSION=${ISTIO_MODULE_VERSION}\n`);
    expect(script).toContain(`\nISTIO_RELEASE=${ISTIO_RELEASE}\n`);
    expect(istioDir({ HOME: '/home/u' })).toBe(`/home/u/.cache/mesh/istio-${ISTIO_RELEASE}-eed52ebb66ad`);
    expect(script).toContain('OUT="$CACHE_ROOT/istio-${ISTIO_RELEASE}-${ISTIO_MODULE_VERSION##*-}"');
    expect(script).toContain(`\nISTIO_CANARY_MODULE_VERSION=${ISTIO_CANARY_MODULE_VERSION}\n`);
    expect(script).toContain(`\nISTIO_CANARY_RELEASE=${ISTIO_CANARY_RELEASE}\n`);
    expect(istioDir({ HOME: '/home/u' }, ISTIO_CANARY_RELEASE)).toBe('/home/u/.cache/mesh/istio-1.30-9739e10eb9d7');
  });
});
