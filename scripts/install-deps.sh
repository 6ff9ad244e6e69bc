#!/usr/bin/env bash
# Installs the Debian packages named as package:probe when no file matches the probe (a path, globs allowed).
set -euo pipefail
missing=()
for pair in "$@"; do
  package=${pair%%:*}
  probe=${pair#*:}
  compgen -G "$probe" >/dev/null || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d keeps the packages' own services from starting: the tests start private instances.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; added_policy=1
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ "${added_policy:-0}" = 1 ] && rm -f /usr/sbin/policy-rc.d
echo "Installed: ${missing[*]}"
