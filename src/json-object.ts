// The one type for loose data: Kubernetes objects, Helm values and mesh config as parsed from YAML or JSON,
// where any field may hold anything. The code that reads such data checks the types it relies on (the
// injection engine validates its input first, src/inject/validate.ts), so the type stays open rather than
// being narrowed at every step.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above: loose by design
export type JsonObject = Record<string, any>;
