// Planning a traffic shift: subsets from the workloads' version labels, weights that add up to 100, and the
// refusals (one line each) for an unknown subset, bad sums, a Service without versions and another owner's routing.
import { describeRoutes, planRestore, planShift, routingObjectOf, routingObjects, type TrafficView } from '../../src/traffic/plan';

const workload = (name: string, labels: Record<string, string>) => ({ kind: 'Deployment', name, labels });
const helloworld = (extra: Partial<TrafficView> = {}): TrafficView => ({
  service: 'helloworld', namespace: 'shop', selector: { app: 'helloworld' },
  workloads: [workload('helloworld-v1', { app: 'helloworld', version: 'v1' }), workload('helloworld-v2', { app: 'helloworld', version: 'v2' }), workload('other', { app: 'other', version: 'v9' })],
  routing: [], ...extra,
});
const refusal = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a refusal');
};

describe('planShift', () => {
  it('gives the named share to the subset and the rest to the only other version', () => {
    const plan = planShift(helloworld(), { v2: 20 });
    expect(plan.subsets).toEqual(['v1', 'v2']);
    expect(plan.before).toBeUndefined();
    expect(plan.after).toEqual([{ subset: 'v1', weight: 80 }, { subset: 'v2', weight: 20 }]);
    expect(plan.host).toBe('helloworld.shop.svc.cluster.local');
  });

  it('shows the routes of mesh\'s own VirtualService as before, and overwrites only that', () => {
    const ours = { kind: 'VirtualService' as const, name: 'helloworld', hosts: ['helloworld'], ownedByMesh: true, routes: [{ subset: 'v1', weight: 80 }, { subset: 'v2', weight: 20 }] };
    const plan = planShift(helloworld({ routing: [ours] }), { v2: 50, v1: 50 });
    expect(describeRoutes(plan.before)).toBe('v1 80%, v2 20%');
    expect(describeRoutes(plan.after)).toBe('v1 50%, v2 50%');
  });

  it('refuses an unknown subset, naming the ones there are', () => {
    expect(refusal(() => planShift(helloworld(), { v3: 20 }))).toBe("there is no subset v3: the workloads' version labels give v1, v2");
  });

  it('refuses weights that do not add up to 100', () => {
    expect(refusal(() => planShift(helloworld(), { v1: 50, v2: 20 }))).toBe('the weights v1=50 v2=20 add up to 70, not 100');
    expect(refusal(() => planShift(helloworld(), { v1: 90, v2: 20 }))).toBe('the weights v1=90 v2=20 add up to 110, not 100');
    const three = helloworld({ workloads: [...helloworld().workloads, workload('helloworld-v3', { app: 'helloworld', version: 'v3' })] });
    expect(refusal(() => planShift(three, { v3: 10 }))).toBe('the weights v3=10 add up to 10, not 100 (name the others too: v1, v2)');
  });

  it('refuses a Service whose workloads have no version label, and a missing Service', () => {
    const unversioned = helloworld({ workloads: [workload('helloworld', { app: 'helloworld' })] });
    expect(refusal(() => planShift(unversioned, { v2: 20 }))).toBe('Service helloworld has no versions to route between: its workloads (helloworld) have no "version" label');
    expect(refusal(() => planShift(helloworld({ workloads: [] }), { v2: 20 }))).toBe('Service helloworld has no versions to route between: no workload matches its selector');
    const { selector: _selector, ...noService } = helloworld();
    expect(refusal(() => planShift(noService, { v2: 20 }))).toBe('there is no Service helloworld in namespace shop');
  });

  it('refuses when a VirtualService or DestinationRule mesh does not own routes the host, naming it', () => {
    const theirs = { kind: 'VirtualService' as const, name: 'hello-routes', hosts: ['helloworld.shop.svc.cluster.local'], ownedByMesh: false };
    expect(refusal(() => planShift(helloworld({ routing: [theirs] }), { v2: 20 }))).toBe(
      "VirtualService hello-routes in shop already routes helloworld and is not mesh's: nothing changed (remove it or shift traffic there)",
    );
    const takenName = { kind: 'DestinationRule' as const, name: 'helloworld', hosts: ['elsewhere'], ownedByMesh: false };
    expect(refusal(() => planShift(helloworld({ routing: [takenName] }), { v2: 20 }))).toMatch(/^DestinationRule helloworld \(the name mesh would use\) in shop/);
    const unrelated = { kind: 'VirtualService' as const, name: 'reviews', hosts: ['reviews'], ownedByMesh: false };
    expect(planShift(helloworld({ routing: [unrelated] }), { v2: 20 }).after).toHaveLength(2);
  });

  it('a restore to no routing plans the removal of mesh\'s routing', () => {
    const ours = { kind: 'VirtualService' as const, name: 'helloworld', hosts: ['helloworld'], ownedByMesh: true, routes: [{ subset: 'v2', weight: 100 }] };
    const plan = planRestore(helloworld({ routing: [ours] }), undefined);
    expect(plan.after).toBeUndefined();
    expect(describeRoutes(plan.before)).toBe('v2 100%');
  });
});

describe('routing objects', () => {
  it('are marked as mesh\'s, define a subset per version and route only subsets with a share', () => {
    const plan = planShift(helloworld(), { v2: 0 });
    const { destinationRule, virtualService } = routingObjects({ ...plan, after: plan.after! }, 'networking.istio.io/v1');
    expect(destinationRule.spec).toEqual({ host: 'helloworld.shop.svc.cluster.local', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] });
    expect(virtualService.spec).toEqual({ hosts: ['helloworld'], http: [{ route: [{ destination: { host: 'helloworld.shop.svc.cluster.local', subset: 'v1' }, weight: 100 }] }] });
    // What mesh writes reads back as its own, with the routes it wrote.
    expect(routingObjectOf(virtualService)).toEqual({ kind: 'VirtualService', name: 'helloworld', hosts: ['helloworld'], ownedByMesh: true, routes: [{ subset: 'v1', weight: 100 }] });
    expect(routingObjectOf({ ...destinationRule, metadata: { name: 'helloworld' } })?.ownedByMesh).toBe(false);
  });
});
