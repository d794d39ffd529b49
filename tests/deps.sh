#!/usr/bin/env bash
# Installs the Debian packages of tests/packages.txt that are missing, so that
# `make check` passes on a new machine. Servers do not start on install here
# (policy-rc.d), which is what the tests want: they start their own.
set -euo pipefail
cd "$(dirname "$0")"
mapfile -t pkgs < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' packages.txt | grep -v '^$' | sort -u)
missing=()
for p in "${pkgs[@]}"; do
    st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$st" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "tests/deps.sh: missing packages: ${missing[*]}; run 'sudo make check' to install them" >&2
    exit 1
fi
echo "tests/deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
