import { planEnable, selectedRevision } from '../../src/autoinject/labels';

describe('planEnable', () => {
  it('labels an unlabelled namespace the way Istio expects', () => {
    expect(planEnable('shop', {}, undefined)).toMatchObject({ kind: 'set', key: 'istio-injection', value: 'enabled' });
    expect(planEnable('shop', {}, 'canary')).toMatchObject({ kind: 'set', key: 'istio.io/rev', value: 'canary' });
  });

  it('recognises a namespace that is already labelled', () => {
    expect(planEnable('shop', { 'istio-injection': 'enabled' }, undefined).kind).toBe('already');
    expect(planEnable('shop', { 'istio.io/rev': 'canary' }, 'canary').kind).toBe('already');
    expect(planEnable('shop', { 'istio.io/rev': 'default' }, undefined).kind).toBe('already');
  });

  it.each([
    [{ 'istio-injection': 'disabled' }, undefined, /istio-injection=disabled: injection was switched off on purpose.*does not override/],
    [{ 'istio-injection': 'true' }, undefined, /istio-injection=true, a value no injector webhook matches/],
    [{ 'istio-injection': 'enabled', 'istio.io/rev': 'canary' }, undefined, /both istio-injection=enabled and istio.io\/rev=canary: istio-injection wins/],
    [{ 'istio-injection': 'enabled' }, 'canary', /revision migration/],
    [{ 'istio.io/rev': 'stable' }, 'canary', /on revision stable .* moving it to canary is a revision migration/],
  ])('explains the conflict in %j (revision %s)', (labels, revision, explanation) => {
    const plan = planEnable('shop', labels as Record<string, string>, revision);
    expect(plan.kind).toBe('conflict');
    expect(plan.explanation).toMatch(explanation);
  });
});

describe('selectedRevision', () => {
  it('follows the precedence of the webhook selectors', () => {
    expect(selectedRevision({})).toBeUndefined();
    expect(selectedRevision({ 'istio-injection': 'enabled', 'istio.io/rev': 'x' })).toBe('default');
    expect(selectedRevision({ 'istio-injection': 'disabled', 'istio.io/rev': 'x' })).toBeUndefined();
    expect(selectedRevision({ 'istio.io/rev': 'x' })).toBe('x');
  });
});
