import { parseAllDocuments } from 'yaml';
import { FAIL_ANNOTATION, FAILURE_MODES, kwokStagesYaml } from '../../src/cluster/stages';

interface StageDoc {
  kind: string;
  metadata: { name: string };
  spec: {
    resourceRef: { kind: string };
    selector: { matchExpressions: { key: string; operator: string; values?: string[] }[] };
    delay?: { durationMilliseconds: number };
    next: { statusTemplate?: string; delete?: boolean };
  };
}

function stages(readyDelayMs = 750): StageDoc[] {
  return parseAllDocuments(kwokStagesYaml({ readyDelayMs, kubeletVersion: 'v1.34.4' })).map((d) => d.toJS() as StageDoc);
}

describe('kwok stages', () => {
  it('are valid Stage documents with unique names', () => {
    const docs = stages();
    expect(docs.every((d) => d.kind === 'Stage')).toBe(true);
    expect(new Set(docs.map((d) => d.metadata.name)).size).toBe(docs.length);
  });

  it('have one stage per failure mode, selected by the annotation', () => {
    for (const mode of FAILURE_MODES) {
      const stage = stages().find((d) => d.metadata.name === `mesh-pod-fail-${mode.toLowerCase()}`);
      expect(stage?.spec.selector.matchExpressions).toContainEqual({
        key: `.metadata.annotations["${FAIL_ANNOTATION}"]`,
        operator: 'In',
        values: [mode],
      });
    }
  });

  it('keep annotated pods away from the ready stage and delay readiness as configured', () => {
    const ready = stages(1234).find((d) => d.metadata.name === 'mesh-pod-ready')!;
    expect(ready.spec.selector.matchExpressions).toContainEqual({
      key: `.metadata.annotations["${FAIL_ANNOTATION}"]`,
      operator: 'DoesNotExist',
    });
    expect(ready.spec.delay?.durationMilliseconds).toBe(1234);
  });

  it('report the pinned kubelet version so native-sidecar detection sees 1.34', () => {
    const init = stages().find((d) => d.metadata.name === 'mesh-node-initialize')!;
    expect(init.spec.next.statusTemplate).toContain('kubeletVersion: "v1.34.4"');
  });

  it('delete pods that are being deleted', () => {
    const del = stages().find((d) => d.metadata.name === 'mesh-pod-delete')!;
    expect(del.spec.next.delete).toBe(true);
  });
});
