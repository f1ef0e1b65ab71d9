// How a release's istiod reads ENABLE_NATIVE_SIDECARS: the layout mesh renders on the cluster's behalf follows it
// (the live istiods are compared in test/integration/native-sidecars.test.ts).
import { nativeSidecarMode } from '../../src/injector/native-sidecars';

describe('ENABLE_NATIVE_SIDECARS as istiod reads it', () => {
  it('1.27 and later (1.30, 1.31 read here): auto unless set; true, false, auto; anything else is false', () => {
    expect([undefined, 'auto', 'true', 'false', '', 'True', '1'].map((v) => nativeSidecarMode(v, '1.31.0'))).toEqual([
      'auto', 'auto', 'enabled', 'disabled', 'disabled', 'disabled', 'disabled',
    ]);
    expect(nativeSidecarMode(undefined, '1.30.2-distroless')).toBe('auto');
    // A tag that names no release (latest, a digest) reads as the newest.
    expect(nativeSidecarMode(undefined, 'latest')).toBe('auto');
    expect(nativeSidecarMode(undefined, undefined)).toBe('auto');
  });

  it('before 1.27: a boolean, false unless set true (as Go parses booleans)', () => {
    expect([undefined, 'auto', 'true', 'True', '1', 'false', 'yes'].map((v) => nativeSidecarMode(v, '1.26.3'))).toEqual([
      'disabled', 'disabled', 'enabled', 'enabled', 'enabled', 'disabled', 'disabled',
    ]);
  });
});
