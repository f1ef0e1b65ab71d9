// Istio's SidecarTemplateData as Go templates see it: k8s structs (ObjectMeta, PodSpec, Container, …)
// viewed through the typed schema, ProxyConfig/MeshConfig as proto messages with their getters and
// enums, Values as the JSON-decoded map (numbers are float64).
import { GoFloat, NO_FIELD, fromJsonValue, typed, type GoObject } from '../gotemplate';
import { normalize, STRUCTS } from './normalize';
import type { JsonObject } from '../json-object';

interface FieldDef {
  json: string;
  type: string;
}

const fieldTables = new Map<string, Map<string, FieldDef>>();

function fieldsOf(struct: string): Map<string, FieldDef> {
  let t = fieldTables.get(struct);
  if (!t) {
    const def = STRUCTS[struct];
    t = new Map((def?.fields ?? []).map(([json, type], i) => [def.goNames[i], { json, type: type.replace(/!$/, '') }]));
    fieldTables.set(struct, t);
  }
  return t;
}

const SCALAR_TYPES: Record<string, string> = { s: 'string', i: 'int32', b: 'bool', f: 'float64', q: 'resource.Quantity' };

function goTypeName(type: string): string {
  if (type.startsWith('*')) return '*' + goTypeName(type.slice(1));
  if (type.startsWith('[')) return '[]' + goTypeName(type.slice(1, -1));
  if (type.startsWith('{')) return 'map[string]' + goTypeName(type.slice(1, -1));
  if (type in SCALAR_TYPES) return SCALAR_TYPES[type];
  if (type === 'any' || type === 'raw') return 'interface {}';
  if (type === 'ios') return 'intstr.IntOrString';
  if (type === 'time') return 'v1.Time';
  return STRUCTS[type]?.goType ?? `v1.${type}`;
}

/** A Go value of schema type `type` for the JSON value `v` (undefined → Go's zero value). */
function view(type: string, v: unknown): unknown {
  if (type.startsWith('*')) {
    const inner = type.slice(1);
    if (v === undefined || v === null) return nilPointer(goTypeName(type));
    if (inner in STRUCTS) return new StructView(inner, v as JsonObject, true);
    return view(inner, v);
  }
  if (type.startsWith('[')) {
    const inner = type.slice(1, -1);
    if (!Array.isArray(v)) return typed([], goTypeName(type));
    return typed(v.map((x) => view(inner, x)), goTypeName(type));
  }
  if (type.startsWith('{')) {
    const inner = type.slice(1, -1);
    const out: JsonObject = {};
    if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out[k] = view(inner, x);
    return typed(out, goTypeName(type));
  }
  switch (type) {
    case 's':
      return v === undefined || v === null ? '' : String(v);
    case 'i':
      return typeof v === 'number' ? v : 0;
    case 'b':
      return v === true;
    case 'f':
      return new GoFloat(typeof v === 'number' ? v : 0);
    case 'q':
    case 'ios':
      return v === undefined || v === null ? '' : v;
    case 'any':
    case 'raw':
    case 'time':
      return v === undefined ? null : fromJsonValue(v);
  }
  if (type in STRUCTS) return new StructView(type, (v ?? {}) as JsonObject, false);
  return v;
}

function nilPointer(goType: string): GoObject {
  return { goType, isNil: true, field: () => NO_FIELD, toJSON: () => null };
}

/** A k8s struct (or a pointer to one) from the typed schema. */
class StructView implements GoObject {
  readonly goType: string;
  /** Field views made so far (most views are read for a field or two, so made on the first read). */
  private cache?: Map<string, unknown>;

  constructor(
    private readonly struct: string,
    private readonly json: JsonObject,
    pointer: boolean,
  ) {
    const goType = STRUCTS[struct]?.goType ?? `v1.${struct}`;
    this.goType = pointer ? `*${goType}` : goType;
  }

  field(name: string): unknown {
    const cached = this.cache?.get(name);
    if (cached !== undefined || this.cache?.has(name)) return cached;
    const def = fieldsOf(this.struct).get(name);
    if (!def) return NO_FIELD;
    const v = view(def.type, this.json[def.json]);
    (this.cache ??= new Map()).set(name, v);
    return v;
  }

  toJSON(): unknown {
    return normalize(this.json, this.struct) ?? {};
  }

  printFields(): unknown[] {
    return [...fieldsOf(this.struct).keys()].map((n) => this.field(n));
  }
}

/** Proto message fields the templates reach, by Go name: [json name, kind]. */
type ProtoKind = 'string' | 'int' | 'bool' | 'map' | 'enum' | 'message' | 'boolValue' | 'any';

const PROXY_CONFIG_FIELDS: Record<string, [string, ProtoKind]> = {
  ConfigPath: ['configPath', 'string'], BinaryPath: ['binaryPath', 'string'], DiscoveryAddress: ['discoveryAddress', 'string'],
  ProxyAdminPort: ['proxyAdminPort', 'int'], StatNameLength: ['statNameLength', 'int'], StatusPort: ['statusPort', 'int'],
  InterceptionMode: ['interceptionMode', 'enum'], ProxyMetadata: ['proxyMetadata', 'map'], Tracing: ['tracing', 'message'],
  HoldApplicationUntilProxyStarts: ['holdApplicationUntilProxyStarts', 'boolValue'], Concurrency: ['concurrency', 'message'],
  Image: ['image', 'message'], CustomConfigFile: ['customConfigFile', 'string'], MeshId: ['meshId', 'string'],
  ProxyBootstrapTemplatePath: ['proxyBootstrapTemplatePath', 'string'], AvailabilityZone: ['availabilityZone', 'string'],
  ServiceCluster: ['serviceCluster', 'string'], DrainDuration: ['drainDuration', 'message'],
  TerminationDrainDuration: ['terminationDrainDuration', 'message'], ReadinessProbe: ['readinessProbe', 'message'],
  CaCertificatesPem: ['caCertificatesPem', 'any'], ExtraStatTags: ['extraStatTags', 'any'],
  GatewayTopology: ['gatewayTopology', 'message'], ProxyStatsMatcher: ['proxyStatsMatcher', 'message'],
  ProxyHeaders: ['proxyHeaders', 'message'], Sds: ['sds', 'message'], EnvoyMetricsService: ['envoyMetricsService', 'message'],
  EnvoyAccessLogService: ['envoyAccessLogService', 'message'],
};

const MESH_CONFIG_FIELDS: Record<string, [string, ProtoKind]> = {
  TrustDomain: ['trustDomain', 'string'], ProxyListenPort: ['proxyListenPort', 'int'],
  ProxyInboundListenPort: ['proxyInboundListenPort', 'int'], ProxyHttpPort: ['proxyHttpPort', 'int'],
  EnablePrometheusMerge: ['enablePrometheusMerge', 'boolValue'], DefaultConfig: ['defaultConfig', 'message'],
  CaCertificates: ['caCertificates', 'any'], TrustDomainAliases: ['trustDomainAliases', 'any'],
  EnableTracing: ['enableTracing', 'bool'], AccessLogFile: ['accessLogFile', 'string'], RootNamespace: ['rootNamespace', 'string'],
  IngressClass: ['ingressClass', 'string'], IngressService: ['ingressService', 'string'], ExtensionProviders: ['extensionProviders', 'any'],
  DefaultProviders: ['defaultProviders', 'message'], InboundTrafficPolicy: ['inboundTrafficPolicy', 'message'],
  OutboundTrafficPolicy: ['outboundTrafficPolicy', 'message'],
};

const INTERCEPTION_MODES = ['REDIRECT', 'TPROXY', 'NONE'];

/** A protobuf enum: an int32 with String(). */
function protoEnum(goType: string, names: string[], value: unknown): GoObject {
  const n = typeof value === 'number' ? value : Math.max(0, names.indexOf(String(value ?? names[0])));
  const name = names[n] ?? String(n);
  return {
    goType,
    basic: { kind: 'int', value: n },
    field: () => NO_FIELD,
    method: (m) => (m === 'String' ? () => name : m === 'Number' ? () => n : undefined),
    stringer: () => name,
    toJSON: () => n,
  };
}

/** A proto message: fields by Go name, GetX getters (nil-safe), JSON as the message's JSON. */
class ProtoView implements GoObject {
  constructor(
    readonly goType: string,
    private readonly json: JsonObject | undefined,
    private readonly fields: Record<string, [string, ProtoKind]>,
  ) {}

  get isNil(): boolean {
    return this.json === undefined;
  }

  private cache?: Map<string, unknown>;

  field(name: string): unknown {
    const def = this.fields[name];
    if (!def) return NO_FIELD;
    this.cache ??= new Map();
    if (this.cache.has(name)) return this.cache.get(name);
    const v = protoField(this.json?.[def[0]], def[1], name);
    this.cache.set(name, v);
    return v;
  }

  method(name: string): ((...a: unknown[]) => unknown) | undefined {
    if (name === 'GetValue' && this.goType.endsWith('Value')) return () => (this.json ? this.json.value : false);
    if (!name.startsWith('Get')) return undefined;
    const fieldName = name.slice(3);
    const known = this.fields[fieldName];
    const json = this.json;
    if (known) return () => protoField(json?.[known[0]], known[1], fieldName);
    // Getters of nested messages the schema does not list (Tracing.GetTlsSettings, …): a message or a string.
    const key = fieldName[0].toLowerCase() + fieldName.slice(1);
    return () => {
      const v = json?.[key];
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) return new ProtoView(`*v1alpha1.${fieldName}`, v, {});
      if (v === undefined && /Settings$|Tracing$|Config$/.test(fieldName)) return new ProtoView(`*v1alpha1.${fieldName}`, undefined, {});
      return v === undefined ? '' : fromJsonValue(v);
    };
  }

  toJSON(): unknown {
    return this.json ?? null;
  }
}

function protoField(v: unknown, kind: ProtoKind, name: string): unknown {
  switch (kind) {
    case 'string':
      return v === undefined || v === null ? '' : String(v);
    case 'int':
      return typeof v === 'number' ? v : 0;
    case 'bool':
      return v === true;
    case 'map':
      return typed({ ...((v as JsonObject) ?? {}) }, 'map[string]string');
    case 'enum':
      return protoEnum('v1alpha1.ProxyConfig_InboundInterceptionMode', INTERCEPTION_MODES, v);
    case 'boolValue':
      return new ProtoView('*wrapperspb.BoolValue', v === undefined || v === null ? undefined : { value: v === true }, {});
    case 'message':
      return new ProtoView(`*v1alpha1.${name}`, v === undefined || v === null ? undefined : (v as JsonObject), {});
    case 'any':
      return v === undefined ? null : fromJsonValue(v);
  }
}

export interface TemplateDataInput {
  typeMeta: { apiVersion?: string; kind?: string };
  deployMeta: { name: string; namespace: string };
  metadata: JsonObject;
  spec: JsonObject;
  proxyConfig: JsonObject;
  meshConfig: JsonObject;
  /** Values, already JSON-decoded Go style (see fromJsonValue); cached by the caller. */
  values: unknown;
  revision: string;
  nativeSidecars: boolean;
  proxyImage: string;
  proxyInitImage: string;
  proxyUID: number;
  proxyGID: number;
  inboundTrafficPolicyMode: string;
  compliancePolicy: string;
}

export interface SidecarTemplateData extends GoObject {
  readonly input: TemplateDataInput;
}

/** `&SidecarTemplateData{…}` as Istio passes it to the injection templates. */
export function sidecarTemplateData(input: TemplateDataInput): SidecarTemplateData {
  const typeMeta = simpleStruct('v1.TypeMeta', { Kind: input.typeMeta.kind ?? '', APIVersion: input.typeMeta.apiVersion ?? '' });
  const deployMeta = simpleStruct('types.NamespacedName', { Namespace: input.deployMeta.namespace, Name: input.deployMeta.name });
  const fields: Record<string, unknown> = {
    TypeMeta: typeMeta,
    DeploymentMeta: deployMeta,
    ObjectMeta: new StructView('ObjectMeta', input.metadata, false),
    Spec: new StructView('PodSpec', input.spec, false),
    ProxyConfig: new ProtoView('*v1alpha1.ProxyConfig', input.proxyConfig, PROXY_CONFIG_FIELDS),
    MeshConfig: new ProtoView('*v1alpha1.MeshConfig', input.meshConfig, MESH_CONFIG_FIELDS),
    Values: input.values,
    Revision: input.revision,
    NativeSidecars: input.nativeSidecars,
    ProxyImage: input.proxyImage,
    ProxyInitImage: input.proxyInitImage,
    ProxyUID: input.proxyUID,
    ProxyGID: input.proxyGID,
    InboundTrafficPolicyMode: input.inboundTrafficPolicyMode,
    CompliancePolicy: input.compliancePolicy,
  };
  return {
    goType: '*inject.SidecarTemplateData',
    input,
    field: (name) => (name in fields ? fields[name] : NO_FIELD),
    toJSON: () => null,
  };
}

function simpleStruct(goType: string, fields: Record<string, unknown>): GoObject {
  return {
    goType,
    field: (name) => (name in fields ? fields[name] : NO_FIELD),
    toJSON: () => Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== '').map(([k, v]) => [k[0].toLowerCase() + k.slice(1), v])),
    printFields: () => Object.values(fields),
  };
}

/** The JSON view of a k8s value handed to a function (ObjectMeta → its metadata object, …). */
export function k8sJson(v: unknown): JsonObject | undefined {
  if (v instanceof StructView) return (v as unknown as { json: JsonObject }).json;
  return undefined;
}
