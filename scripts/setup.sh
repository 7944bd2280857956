#!/usr/bin/env bash
# Installs everything Coffer and its tests need on a Debian machine that has Node 20 and npm:
# the engines (PostgreSQL 15, MariaDB 10.11 with mariadb-backup), RabbitMQ (for the scaled-out bus
# and its tests), HAProxy (the scaled-out shape's front door, deploy/haproxy), nftables (the
# filters of public addresses), the real OpenStack clients and upstream Trove's own scenario tests
# (tempest, trove-tempest-plugin and the drivers it connects with; for compatibility tests, and
# tempest's compute clients, which check the compute face against Nova's schemas), Prometheus (the
# observability test scrapes Coffer), then npm packages and the build. Idempotent, and quick when
# everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages, installed only when one is missing.
PACKAGES=(
  postgresql-15 postgresql-client-15
  mariadb-server mariadb-client mariadb-backup
  rabbitmq-server haproxy
  python3-troveclient python3-openstackclient
  tempest trove-tempest-plugin python3-psycopg2 python3-pymysql
  e2fsprogs xfsprogs util-linux iproute2 procps
  nftables
  prometheus
  python3-tempest
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  # Coffer starts its own engine processes (and its tests their own RabbitMQ and HAProxy, on
  # loopback); the packaged system services are not needed, and RabbitMQ's would listen on every
  # interface (AMQP, epmd, Erlang distribution). A policy-rc.d for the length of the install keeps
  # them from starting.
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
  fi
  # Waits for another apt-get or dpkg (unattended upgrades at boot), retries what may pass.
  # shellcheck source=scripts/apt.sh
  source scripts/apt.sh
  status=0
  apt_install "${missing[@]}" || status=1
  [ -z "$policy" ] || $SUDO rm -f "$policy"
  [ "$status" -eq 0 ] || exit 1
fi

# npm packages, reinstalled only when package-lock.json changed since the last install.
stamp=node_modules/.coffer-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi

npm run --silent build
