/**
 * Kubernetes label selectors (metav1.LabelSelector) and the one matcher of them. Pure: imports nothing.
 * What an empty selector selects depends on who reads it, so the meaning is in the name: the API server's
 * webhook namespace/object selectors select everything when empty; a workload's `spec.selector` and Istio's
 * never/always-inject selectors select nothing.
 */
export type Labels = Record<string, string>;

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: LabelSelectorRequirement[];
}

/** A selector as read from loose data: operators are not checked yet (an unknown one matches nothing). */
interface LooseLabelSelector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

function isEmpty(selector: LooseLabelSelector | undefined): boolean {
  return Object.keys(selector?.matchLabels ?? {}).length === 0 && (selector?.matchExpressions ?? []).length === 0;
}

/** The API server's webhook selectors: an empty or missing selector matches everything. */
export function matchesSelectorEmptyMatchesAll(labels: Labels | undefined, selector: LooseLabelSelector | undefined): boolean {
  const actual = labels ?? {};
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    if (actual[key] !== value) return false;
  }
  for (const req of selector?.matchExpressions ?? []) {
    const present = Object.prototype.hasOwnProperty.call(actual, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!present || !values.includes(actual[req.key])) return false;
        break;
      case 'NotIn':
        if (present && values.includes(actual[req.key])) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** A workload's pod selector, Istio's never/always-inject selectors: an empty or missing selector matches nothing. */
export function matchesSelectorEmptyMatchesNone(labels: Labels | undefined, selector: LooseLabelSelector | undefined): boolean {
  return !isEmpty(selector) && matchesSelectorEmptyMatchesAll(labels, selector);
}
