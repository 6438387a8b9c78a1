#!/usr/bin/env bash
# Offline checks of systemd/govwatch.service (no running systemd needed):
#   1. `systemd-analyze verify` reports nothing at all. It prints its findings on stderr and may
#      still exit 0, so any output fails the check, not only the exit status.
#   2. `systemd-analyze security --offline=true` rates the exposure at most 2.0 (0 = locked
#      down, 10 = unprotected), so a hardening setting cannot be dropped unnoticed.
#
# Usage: systemd/verify.sh [EXECUTABLE]
#   verify insists that ExecStart's binary exists, and /usr/bin/govwatch is not
#   installed on a build machine, so a copy of the unit is checked with EXECUTABLE in its
#   place: default target/debug/govwatch if it has been built, else /bin/true.
#
# Needs systemd-analyze (Debian package `systemd`); as root it is installed when missing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
unit=$here/govwatch.service
installed_exe=/usr/bin/govwatch
# systemd-analyze's --threshold is the exposure level times ten.
max_exposure=2.0
threshold=20

die() {
    echo "verify.sh: $*" >&2
    exit 1
}

# The rows of a security report whose last column is an exposure value, i.e. the settings
# that are not at their safest.
costs() {
    printf '%s\n' "$1" | awk '$NF ~ /^[0-9]+\.[0-9]+$/ && $NF + 0 > 0 { print "  " $0 }'
}

[[ -f $unit ]] || die "$unit not found"

if ! command -v systemd-analyze >/dev/null; then
    if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null; then
        die "systemd-analyze not found: install it (Debian/Ubuntu: apt-get install systemd), or run this script as root on Debian/Ubuntu to have it installed"
    fi
    echo "verify.sh: systemd-analyze not found; installing Debian's systemd package" >&2
    export DEBIAN_FRONTEND=noninteractive
    # A fresh container image has no package lists yet: update only when the install fails.
    if ! apt-get install -y -q --no-install-recommends systemd >/dev/null; then
        apt-get update -q >/dev/null || die "apt-get update failed"
        apt-get install -y -q --no-install-recommends systemd >/dev/null || die "apt-get install systemd failed"
    fi
    command -v systemd-analyze >/dev/null || die "systemd-analyze still not found after installing systemd"
fi

exe=${1:-}
if [[ -z $exe ]]; then
    if [[ -x $repo/target/debug/govwatch ]]; then
        exe=$repo/target/debug/govwatch
    else
        exe=/bin/true
    fi
fi
[[ -f $exe && -x $exe ]] || die "$exe is not an executable file"
exe=$(realpath -- "$exe")

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
# The copy keeps the name govwatch.service: verify and security take the unit name from the
# file name. ExecStart gets a symlink with a plain path rather than $exe itself, so no quoting
# or %-escaping of unusual characters in $exe is ever needed.
[[ $work =~ ^[A-Za-z0-9/._-]+$ ]] || die "temporary directory $work has characters a unit file would need escaped; set TMPDIR"
ln -s -- "$exe" "$work/govwatch"
grep -q "^ExecStart=$installed_exe " "$unit" || die "$unit: ExecStart does not run $installed_exe"
sed "s#^ExecStart=$installed_exe #ExecStart=$work/govwatch #" "$unit" >"$work/govwatch.service"

version=$(systemd-analyze --version | sed -n 1p)
echo "== systemd-analyze verify ($version; ExecStart binary: $exe)"
status=0
# --recursive-errors=no: a non-zero exit for warnings about this unit (without it verify
# exits 0 whatever it finds). Messages about the host's units it pulls in
# (network-online.target, multi-user.target) do not change the exit status, but are not
# filtered out either: none appear on a stock Debian 12, and one that does deserves a look.
output=$(systemd-analyze verify --recursive-errors=no "$work/govwatch.service" 2>&1) || status=$?
if [[ $status -ne 0 || -n $output ]]; then
    printf '%s\n' "$output" | sed "s#$work/govwatch\.service#$unit#g" >&2
    # ExecReload= uses /bin/kill, which minimal images lack (Debian package procps).
    [[ -x /bin/kill ]] || echo "verify.sh: note: /bin/kill is missing here (apt-get install procps)" >&2
    die "systemd-analyze verify found problems (exit status $status); $work/govwatch stands for $installed_exe"
fi
echo "ok: no warnings"

echo "== systemd-analyze security --offline=true --threshold=$threshold"
status=0
report=$(systemd-analyze security --offline=true --threshold="$threshold" --no-pager \
    "$work/govwatch.service" 2>&1) || status=$?
# "→ Overall exposure level for govwatch.service: 1.1 OK 🙂" (":-)" in a non-UTF-8 locale)
score=$(printf '%s\n' "$report" | sed -n 's/.*Overall exposure level for govwatch\.service: \([0-9][0-9.]*\).*/\1/p')
if [[ -z $score ]]; then
    printf '%s\n' "$report" >&2
    die "no exposure level in the systemd-analyze security output (exit status $status)"
fi
# The exit status enforces the threshold; the comparison guards against a systemd-analyze
# that ignores --threshold.
if [[ $status -ne 0 ]] || ! awk -v s="$score" -v max="$max_exposure" 'BEGIN { exit !(s <= max) }'; then
    costs "$report" >&2
    die "exposure $score is above $max_exposure (exit status $status)"
fi
echo "ok: exposure $score (at most $max_exposure allowed); settings that still cost exposure:"
costs "$report"
