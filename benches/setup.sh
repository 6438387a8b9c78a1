#!/usr/bin/env bash
# Installs the peers the e2e bench compares govwatch with, from the package registries:
#   python   Python feedparser (what rss2email uses), from PyPI
#   debian   newsboat and PostgreSQL, from Debian (needs root)
# With no argument, both. Idempotent: what is already there is left alone.
set -euo pipefail

want="${1:-all}"

python_peers() {
    if python3 -c 'import feedparser' 2>/dev/null; then
        echo "feedparser: already installed"
    else
        PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check 'feedparser==6.0.11'
        echo "feedparser: installed"
    fi
}

debian_peers() {
    local missing=()
    command -v newsboat >/dev/null || missing+=(newsboat)
    command -v pg_ctl >/dev/null || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 \
        || missing+=(postgresql)
    if [ "${#missing[@]}" -eq 0 ]; then
        echo "newsboat, postgresql: already installed"
        return
    fi
    if [ "$(id -u)" -ne 0 ]; then
        echo "need root to install ${missing[*]} with apt-get" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    echo "installed: ${missing[*]}"
}

case "$want" in
    python) python_peers ;;
    debian) debian_peers ;;
    all) python_peers; debian_peers ;;
    *) echo "usage: $0 [python|debian|all]" >&2; exit 2 ;;
esac
