// The revision payload of the history Secrets (src/rollout/record.ts): gzip-compressed JSON within the 1 MiB a
// Secret holds, the files of `mesh deploy -f` dropped only when they do not fit, and a clear error beyond that.
// The Secrets themselves are tested on the local cluster (test/integration/history.test.ts).
import { randomBytes } from 'node:crypto';
import { decodeRevision, parseRevisions, revisionPayload, type Revision } from '../../src/rollout/record';

const configMap = (i: number) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-${i}\n  labels: {app.kubernetes.io/part-of: shop}\ndata:\n  FEATURE_FLAGS: checkout=on,search=on,reviews=${i % 2 ? 'on' : 'off'}\n`;

function revision(objects: number, files: { file: string; text: string }[], name = (i: number) => `settings-${i}`): Revision {
  return {
    revision: 1, rolloutId: 'shop.web.x', outcome: 'succeeded', at: '2026-12-06T10:00:00.000Z', by: 'U0ALICE', inject: false,
    source: { kind: 'manifests', files },
    objects: Array.from({ length: objects }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: name(i), namespace: 'shop' })),
  };
}

describe('history payload', () => {
  it('keeps an app of 1,200 ConfigMaps with its files far below a Secret\'s 1 MiB, where the Lease annotations held 256 KiB in all', () => {
    const files = Array.from({ length: 1200 }, (_, i) => ({ file: `cm-${i}.yaml`, text: configMap(i) }));
    const r = revision(1200, files);
    expect(JSON.stringify(r).length).toBeGreaterThan(256 * 1024);
    const payload = revisionPayload(r);
    expect(payload.length).toBeLessThan(64 * 1024);
    expect(decodeRevision(payload.toString('base64'))).toEqual(r);
  });

  it('drops the files (a rollback then asks for them) only when the revision would not fit with them', () => {
    const files = [{ file: 'blob.yaml', text: `# ${randomBytes(1200 * 1024).toString('base64')}\n` }];
    const decoded = decodeRevision(revisionPayload(revision(10, files)).toString('base64'));
    expect(decoded.source).toEqual({ kind: 'manifests', files: [] });
    expect(decoded.objects).toHaveLength(10);
  });

  it('says so when even the object list does not fit', () => {
    expect(() => revisionPayload(revision(150_000, [], () => randomBytes(12).toString('hex')))).toThrow(/revision 1 \(150000 objects\) is \d+ KiB compressed, more than a Secret holds/);
  });

  it('reads the Lease-annotation history of earlier versions, and tells an unreadable one from an empty one', () => {
    expect(parseRevisions(JSON.stringify([revision(1, [])]))).toHaveLength(1);
    expect(parseRevisions(undefined)).toEqual([]);
    expect(parseRevisions('{not json')).toBeUndefined();
  });
});
