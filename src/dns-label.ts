// Kubernetes' name rule for namespaces, apps, clusters and most objects mesh names: an RFC 1123 DNS label.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** At most 63 characters of a-z, 0-9 and "-", starting and ending alphanumeric. */
export function isDnsLabel(value: string): boolean {
  return value.length <= 63 && DNS_LABEL.test(value);
}
