#!/bin/sh
# The canary gates' tests judge Istio-shaped metrics with a real Prometheus (PromQL over a real TSDB): Debian's
# prometheus package, /usr/bin/prometheus and /usr/bin/promtool. Installs it only when missing (idempotent);
# mesh itself only queries a Prometheus over HTTP. The package's service is not started: tests run their own.
set -eu
if [ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ]; then exit 0; fi
echo "installing prometheus (for the canary gate tests)…" >&2
if [ "$(id -u)" -ne 0 ]; then echo "prometheus is missing and this user cannot apt-get install it: install Debian's prometheus package" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
# A policy-rc.d that refuses keeps the package's postinst from starting a system Prometheus on :9090; one the
# machine has already is left as it is.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
fi
apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y --no-install-recommends prometheus >/dev/null; }
/usr/bin/prometheus --version 2>&1 | head -1 >&2
