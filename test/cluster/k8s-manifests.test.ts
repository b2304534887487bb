/**
 * deploy/k8s: `kubectl kustomize` renders every overlay, and every rendered object is validated
 * offline — against the Kubernetes and KEDA schemas (kubernetes-models / @kubernetes-models/keda
 * `validate()`: types, enums, required fields) and by a strict unknown-field check (the models accept
 * unknown keys, the API server with `--validate=strict` does not): every key of every object must
 * be a property of the model's TypeScript interface, walked with the TypeScript checker.
 * Plus what keeps the manifests in step with the code: the ConfigMap's keys load, the roles run
 * the real entry points, the ScaledObject scales workers on the scan-backlog endpoint (not a Redis
 * list), the monitoring rules pass promtool.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, loadConfig } from '../../packages/core/src/config/index.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
const K8S = path.join(REPO, 'deploy/k8s');
const OVERLAYS = ['dev', 'prod'] as const;

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };

function render(dir: string): Obj[] {
  const text = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  return parseAllDocuments(text).map((d) => d.toJS() as Obj).filter((o) => o !== null);
}

/** apiVersion/kind → [module, model class, interface]. */
const MODELS: Record<string, [string, string, string]> = {
  'v1/ConfigMap': ['kubernetes-models/v1', 'ConfigMap', 'IConfigMap'],
  'v1/Secret': ['kubernetes-models/v1', 'Secret', 'ISecret'],
  'v1/Service': ['kubernetes-models/v1', 'Service', 'IService'],
  'v1/ServiceAccount': ['kubernetes-models/v1', 'ServiceAccount', 'IServiceAccount'],
  'apps/v1/Deployment': ['kubernetes-models/apps/v1', 'Deployment', 'IDeployment'],
  'apps/v1/StatefulSet': ['kubernetes-models/apps/v1', 'StatefulSet', 'IStatefulSet'],
  'autoscaling/v2/HorizontalPodAutoscaler': ['kubernetes-models/autoscaling/v2', 'HorizontalPodAutoscaler', 'IHorizontalPodAutoscaler'],
  'policy/v1/PodDisruptionBudget': ['kubernetes-models/policy/v1', 'PodDisruptionBudget', 'IPodDisruptionBudget'],
  'networking.k8s.io/v1/NetworkPolicy': ['kubernetes-models/networking.k8s.io/v1', 'NetworkPolicy', 'INetworkPolicy'],
  'keda.sh/v1alpha1/ScaledObject': ['@kubernetes-models/keda/keda.sh/v1alpha1', 'ScaledObject', 'IScaledObject'],
  'monitoring.coreos.com/v1/PrometheusRule': ['@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1', 'PrometheusRule', 'IPrometheusRule'],
};
const keyOf = (o: Obj): string => `${o.apiVersion}/${o.kind}`;

/** The interfaces of MODELS as TypeScript types (one program, built once). */
function interfaceTypes(): { checker: ts.TypeChecker; types: Map<string, ts.Type> } {
  const entry = path.join(REPO, '__k8s_model_types__.ts');
  const source = Object.entries(MODELS).map(([k, [mod, , iface]], i) => `import type { ${iface} as T${i} } from '${mod}';\nexport type K${i} = T${i}; // ${k}`).join('\n');
  const options: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true, skipLibCheck: true, types: [] };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (name === entry ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === entry || fileExists(name);
  const program = ts.createProgram([entry], options, host);
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(entry)!;
  const types = new Map<string, ts.Type>();
  const keys = Object.keys(MODELS);
  for (const stmt of file.statements) {
    if (ts.isTypeAliasDeclaration(stmt)) types.set(keys[Number(stmt.name.text.slice(1))]!, checker.getTypeAtLocation(stmt.name));
  }
  return { checker, types };
}

/** Keys of `value` that are not properties of `type` (recursively), as JSON paths. */
function unknownFields(checker: ts.TypeChecker, value: unknown, type: ts.Type, at: string): string[] {
  if (value === null || typeof value !== 'object') return [];
  const t = checker.getNonNullableType(type);
  if (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return [];
  const members = t.isUnion() ? t.types.filter((m) => m.flags & ts.TypeFlags.Object) : [t];
  if (Array.isArray(value)) {
    const arrays = members.filter((m) => checker.isArrayType(m));
    if (arrays.length === 0) return [`${at}: a list where the schema has no list`];
    const element = checker.getTypeArguments(arrays[0] as ts.TypeReference)[0]!;
    return value.flatMap((v, i) => unknownFields(checker, v, element, `${at}[${i}]`));
  }
  const problems: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const prop = members.map((m) => checker.getPropertyOfType(m, k)).find((p) => p !== undefined);
    if (prop !== undefined) {
      problems.push(...unknownFields(checker, v, checker.getTypeOfSymbol(prop), `${at}.${k}`));
      continue;
    }
    const index = members.flatMap((m) => checker.getIndexInfosOfType(m))[0];
    if (index !== undefined) problems.push(...unknownFields(checker, v, index.type, `${at}.${k}`));
    else problems.push(`${at}.${k}: unknown field`);
  }
  return problems;
}

async function schemaErrors(o: Obj): Promise<unknown> {
  const [mod, cls] = MODELS[keyOf(o)]!;
  const Model = (await import(mod))[cls] as new (data: unknown) => { validate(): void };
  try {
    new Model(o).validate();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

const rendered = Object.fromEntries(OVERLAYS.map((o) => [o, render(path.join(K8S, 'overlays', o))])) as Record<(typeof OVERLAYS)[number], Obj[]>;
const monitoring = parseAllDocuments(readFileSync(path.join(REPO, 'deploy/monitoring/prometheus-rules.yaml'), 'utf8')).map((d) => d.toJS() as Obj);
const { checker, types } = interfaceTypes();

describe('deploy/k8s (kustomize) validated offline', () => {
  it.each(OVERLAYS)('overlay %s renders every role and the objects it needs', (overlay) => {
    const kinds = rendered[overlay].map((o) => `${o.kind}/${o.metadata.name}`).sort();
    for (const needed of ['Deployment/k3-coordinator', 'Service/k3-coordinator', 'HorizontalPodAutoscaler/k3-coordinator', 'Deployment/k3-worker', 'ScaledObject/k3-worker', 'Deployment/k3-compactor', 'StatefulSet/k3-redis', 'ConfigMap/k3-config', 'ServiceAccount/k3', 'PodDisruptionBudget/k3-coordinator', 'PodDisruptionBudget/k3-worker', 'PodDisruptionBudget/k3-compactor', 'NetworkPolicy/k3-redis']) {
      expect(kinds).toContain(needed);
    }
    expect(new Set(rendered[overlay].map((o) => o.metadata.namespace))).toEqual(new Set([overlay === 'dev' ? 'k3-dev' : 'k3']));
  });

  it.each(OVERLAYS)('overlay %s: every object passes the Kubernetes / KEDA schema and has no unknown field', async (overlay) => {
    for (const o of rendered[overlay]) {
      expect(MODELS[keyOf(o)], `no model for ${keyOf(o)}`).toBeDefined();
      expect(await schemaErrors(o), `${o.kind}/${o.metadata.name}`).toBeUndefined();
      expect(unknownFields(checker, o, types.get(keyOf(o))!, `${o.kind}/${o.metadata.name}`)).toEqual([]);
    }
  });

  it('the strict check catches a misspelt field at any depth, and the schema check a wrong type', async () => {
    const deployment = structuredClone(rendered.prod.find((o) => o.kind === 'Deployment')!) as Obj & { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
    deployment.spec.template.spec.containers[0]!['resource'] = {};
    (deployment.spec as Record<string, unknown>)['replica'] = 2;
    expect(unknownFields(checker, deployment, types.get('apps/v1/Deployment')!, 'd')).toEqual(['d.spec.template.spec.containers[0].resource: unknown field', 'd.spec.replica: unknown field']);
    const scaled = structuredClone(rendered.prod.find((o) => o.kind === 'ScaledObject')!) as Obj & { spec: Record<string, unknown> };
    scaled.spec['minReplicaCount'] = 'zero';
    expect(await schemaErrors(scaled)).toMatch(/minReplicaCount/);
  });

  it.each(OVERLAYS)('overlay %s: the ConfigMap sets only known K3_* keys and they load', (overlay) => {
    const data = rendered[overlay].find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'k3-config')!['data'] as Record<string, string>;
    for (const key of Object.keys(data)) expect(Object.keys(CONFIG_KEYS)).toContain(key);
    const config = loadConfig(data);
    expect(config.K3_SHUTDOWN_TIMEOUT).toBeLessThan(30_000); // < terminationGracePeriodSeconds
  });

  it.each(OVERLAYS)('overlay %s: the coordinator binds a non-loopback address with auth on (K3_AUTH=off would refuse to start there)', (overlay) => {
    const data = rendered[overlay].find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'k3-config')!['data'] as Record<string, string>;
    expect(loadConfig(data).K3_AUTH).toBe('on');
    const coordinator = rendered[overlay].find((o) => o.kind === 'Deployment' && o.metadata.name === 'k3-coordinator')!;
    expect(JSON.stringify(coordinator)).toMatch(/"name":"K3_HOST","value":"0\.0\.0\.0"/);
  });

  it('prod: the ScaledObject scales workers on the scan-backlog endpoint (metrics-api), not a Redis list; workers may scale to zero', () => {
    const scaled = rendered.prod.find((o) => o.kind === 'ScaledObject')! as Obj & { spec: { minReplicaCount: number; triggers: { type: string; metadata: Record<string, string> }[] } };
    expect(scaled.spec.minReplicaCount).toBe(0);
    expect(scaled.spec.triggers).toHaveLength(1);
    const [trigger] = scaled.spec.triggers;
    expect(trigger!.type).toBe('metrics-api');
    expect(trigger!.metadata).toMatchObject({ url: 'http://k3-coordinator.k3.svc.cluster.local/internal/scan-backlog', valueLocation: 'total', format: 'json' });
    expect(JSON.stringify(scaled)).not.toMatch(/listName|"type":"redis"/);
  });

  it.each(OVERLAYS)('overlay %s: each role runs its real entry point, non-root with a read-only root filesystem', (overlay) => {
    for (const d of rendered[overlay].filter((o) => o.kind === 'Deployment')) {
      const pod = (d['spec'] as { template: { spec: { securityContext: Record<string, unknown>; containers: { command: string[]; securityContext: Record<string, unknown> }[] } } }).template.spec;
      const [c] = pod.containers;
      expect(c!.command[0]).toBe('node');
      expect(existsSync(path.join(REPO, c!.command[1]!)), c!.command[1]).toBe(true);
      expect(pod.securityContext['runAsNonRoot']).toBe(true);
      expect(c!.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    }
    const compactor = rendered[overlay].find((o) => o.kind === 'Deployment' && o.metadata.name === 'k3-compactor')!;
    expect((compactor['spec'] as { replicas: number }).replicas).toBe(2);
  });

  it('deploy/monitoring: the PrometheusRule passes its schema, the strict check and promtool check rules', async () => {
    const [rule] = monitoring;
    expect(keyOf(rule!)).toBe('monitoring.coreos.com/v1/PrometheusRule');
    expect(await schemaErrors(rule!)).toBeUndefined();
    expect(unknownFields(checker, rule, types.get('monitoring.coreos.com/v1/PrometheusRule')!, 'rule')).toEqual([]);
    const dir = mkdtempSync(path.join(tmpdir(), 'k3-rules-'));
    try {
      const file = path.join(dir, 'rules.json');
      writeFileSync(file, JSON.stringify(rule!['spec']));
      expect(execFileSync('promtool', ['check', 'rules', file], { encoding: 'utf8' })).toMatch(/SUCCESS: \d+ rules found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('deploy/monitoring: the Grafana dashboard is valid JSON whose every query names a metric the roles export', () => {
    const dashboard = JSON.parse(readFileSync(path.join(REPO, 'deploy/monitoring/grafana-dashboard.json'), 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(8);
    const known = /\b(k3_[a-z_]+|process_[a-z_]+|nodejs_[a-z_]+)\b/g;
    const sources = ['packages/core/src/metrics', 'packages/core/src/object-store/instrumented-object-store.ts', 'services/coordinator/src/http-metrics.ts', 'services/worker/src/worker-metrics.ts']
      .map((p) => execFileSync('grep', ['-rhoE', "name: '(k3_[a-z_]+)'", path.join(REPO, p)], { encoding: 'utf8' })).join('\n');
    const exported = new Set([...sources.matchAll(/name: '(k3_[a-z_]+)'/g)].map((m) => m[1]!));
    for (const expr of exprs) {
      for (const m of expr.matchAll(known)) {
        const name = m[1]!.replace(/_(bucket|count|sum)$/, '');
        if (name.startsWith('k3_')) expect(exported, `${expr}: ${name}`).toContain(name);
      }
    }
  });
});
