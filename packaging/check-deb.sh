#!/usr/bin/env bash
# Checks a govwatch .deb made by packaging/build-deb.sh, from its contents list and control
# files (dpkg-deb -c / -I / -f) and its unpacked files; CI (.ci/run) runs it on every build.
#
#   packaging/check-deb.sh FILE.deb
#
# - The files are exactly the expected ones (nothing missing, nothing extra), each with its
#   mode: the binary, the unit, the tmpfiles entry, the config and every feed list of feeds/
#   under /etc/govwatch, the man pages (one per command, as the packaged binary makes them),
#   the three completions, the docs.
# - conffiles are exactly /etc/govwatch/govwatch.toml and the feed lists.
# - The packaged unit, config and feed lists are the repository's files, and the unit runs
#   the binary the package installs.
# - Depends names only the C runtime (no OpenSSL); the maintainer scripts neither enable nor
#   start govwatch.service (install is `dpkg -i`, then `systemctl enable --now govwatch`).
set -euo pipefail

deb=${1:?usage: $0 FILE.deb}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ -f $deb ]] || { echo "check-deb.sh: $deb not found" >&2; exit 1; }

failures=0
fail() {
    echo "check-deb.sh: FAIL: $*" >&2
    failures=$((failures + 1))
}

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
dpkg-deb -x "$deb" "$work/root"
root=$work/root

# --- the contents list: every regular file and symlink, with its mode -----------------------
# dpkg-deb -c prints "MODE OWNER SIZE DATE TIME ./PATH"; directories end in "/".
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { path = $6; sub(/^\./, "", path); print $1, $2, path }' \
    | sort >"$work/got"

# The man pages the packaged binary makes, so that a new subcommand needs no edit here.
"$root/usr/bin/govwatch" man --dir "$work/man"
expected() {
    # Owners as dpkg-deb -c prints them (uid/gid): root.
    local exe=-rwxr-xr-x file=-rw-r--r--
    echo "$exe 0/0 /usr/bin/govwatch"
    echo "$file 0/0 /usr/lib/systemd/system/govwatch.service"
    echo "$file 0/0 /usr/lib/tmpfiles.d/govwatch.conf"
    echo "$file 0/0 /etc/govwatch/govwatch.toml"
    for f in "$repo"/feeds/*.toml; do
        echo "$file 0/0 /etc/govwatch/feeds/$(basename "$f")"
    done
    for f in "$work"/man/*.1; do
        echo "$file 0/0 /usr/share/man/man1/$(basename "$f").gz"
    done
    echo "$file 0/0 /usr/share/bash-completion/completions/govwatch"
    echo "$file 0/0 /usr/share/zsh/vendor-completions/_govwatch"
    echo "$file 0/0 /usr/share/fish/vendor_completions.d/govwatch.fish"
    echo "$file 0/0 /usr/share/doc/govwatch/README.md"
    echo "$file 0/0 /usr/share/doc/govwatch/README.systemd.md"
    echo "$file 0/0 /usr/share/doc/govwatch/copyright"
    echo "$file 0/0 /usr/share/doc/govwatch/examples/govwatch.example.toml"
}
expected | sort >"$work/want"
if ! diff -u "$work/want" "$work/got" >"$work/diff"; then
    fail "the contents differ from the expected list (- expected, + in the package):"
    sed -n '3,$p' "$work/diff" | grep '^[-+]' >&2
fi
man_pages=$(find "$work/man" -name '*.1' | wc -l)

# --- the files are the repository's ------------------------------------------------------------
same() {
    cmp -s "$1" "$root$2" || fail "$2 is not $1"
}
same "$repo/systemd/govwatch.service" /usr/lib/systemd/system/govwatch.service
same "$repo/govwatch.example.toml" /etc/govwatch/govwatch.toml
same "$repo/packaging/tmpfiles.d/govwatch.conf" /usr/lib/tmpfiles.d/govwatch.conf
for f in "$repo"/feeds/*.toml; do
    same "$f" "/etc/govwatch/feeds/$(basename "$f")"
done
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\) .*/\1/p' "$root/usr/lib/systemd/system/govwatch.service")
[[ -n $exec_start && -x $root$exec_start ]] \
    || fail "the unit's ExecStart binary ${exec_start:-(none)} is not in the package"
"$root/usr/bin/govwatch" completions bash | cmp -s - "$root/usr/share/bash-completion/completions/govwatch" \
    || fail "the bash completion is not the packaged binary's"

# --- control files -----------------------------------------------------------------------------
want_conffiles=$( {
    echo /etc/govwatch/govwatch.toml
    for f in "$repo"/feeds/*.toml; do echo "/etc/govwatch/feeds/$(basename "$f")"; done
} | sort)
got_conffiles=$(dpkg-deb -I "$deb" conffiles 2>/dev/null | sort || true)
[[ $got_conffiles == "$want_conffiles" ]] \
    || fail "conffiles are:"$'\n'"$got_conffiles"$'\n'"expected:"$'\n'"$want_conffiles"

field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == govwatch ]] || fail "Package is $(field Package)"
[[ $(field Architecture) == "$(dpkg --print-architecture)" ]] || fail "Architecture is $(field Architecture)"
[[ $(field Version) == "$(sed -n 's/^version = "\(.*\)"/\1/p' "$repo/Cargo.toml" | head -1)-1" ]] \
    || fail "Version $(field Version) is not Cargo.toml's version with revision 1"
depends=$(field Depends)
# Each dependency is "name (>= version)"; only the C library and gcc's runtime are expected.
while read -r dep; do
    name=${dep%% *}
    case $name in
    libc6 | libgcc-s1) ;;
    *) fail "unexpected dependency: $dep (Depends: $depends)" ;;
    esac
done < <(tr ',' '\n' <<<"$depends" | sed 's/^ *//; /^$/d')
[[ $depends == *libc6* ]] || fail "Depends lacks libc6: $depends"

# --- maintainer scripts --------------------------------------------------------------------------
dpkg-deb -e "$deb" "$work/control"
# deb-systemd-invoke may only try-restart (an upgrade restarts a running daemon) or stop (on
# removal); `start` or `restart` would start it on install.
while read -r _ action; do
    case $action in
    try-restart | stop) ;;
    *) fail "a maintainer script runs deb-systemd-invoke $action" ;;
    esac
done < <(grep -ho 'deb-systemd-invoke [$#A-Za-z_-]*' "$work"/control/* | sort -u)
# cargo-deb's enable-on-install fragment calls `deb-systemd-helper enable` for any unit not
# explicitly disabled before; the "don't enable" one does so only for a unit dpkg installed
# earlier that the operator had enabled (an upgrade), behind `debian-installed`.
grep -q 'deb-systemd-helper debian-installed govwatch.service' "$work/control/postinst" \
    || fail "postinst enables govwatch.service on a fresh install"
grep -q 'systemd-tmpfiles --create govwatch.conf' "$work/control/postinst" \
    || fail "postinst does not apply the tmpfiles entry"
for s in "$work"/control/{preinst,postinst,prerm,postrm}; do
    [[ -f $s ]] || continue
    sh -n "$s" || fail "$(basename "$s") is not valid sh"
done

if [[ $failures -gt 0 ]]; then
    echo "check-deb.sh: $deb: $failures check(s) failed" >&2
    exit 1
fi
size=$(stat -c %s "$deb")
echo "ok: $(basename "$deb") ($((size / 1024)) KiB): $(wc -l <"$work/got") files ($man_pages man pages), conffiles, Depends: $depends; the unit is neither enabled nor started on install"
