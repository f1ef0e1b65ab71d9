// Building blocks of kwok Stage documents (kwok.x-k8s.io/v1alpha1), as YAML text.

export const annotation = (name: string) => `.metadata.annotations["${name}"]`;

export function stage(name: string, kind: 'Node' | 'Pod', selector: string, next: string, delay = ''): string {
  return `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: ${name}
spec:
  resourceRef:
    apiGroup: v1
    kind: ${kind}
  selector:
    matchExpressions:
${selector}${delay}
  next:
${next}`;
}

export const expr = (key: string, operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist', values: string[] = []) =>
  `    - key: '${key}'\n      operator: ${operator}\n` +
  (values.length ? `      values:\n${values.map((v) => `      - '${v}'\n`).join('')}` : '');
