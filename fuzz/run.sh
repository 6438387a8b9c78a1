#!/bin/sh
# Builds one fuzz target with libFuzzer's coverage instrumentation (stable Rust: the same
# flags cargo-fuzz passes, without a sanitizer) and runs it for SECONDS.
#   fuzz/run.sh parse|query SECONDS [more libFuzzer flags]
# Seeds: the feed fixtures and $GOVWATCH_CORPUS for parse, fuzz/seeds/query for query. The
# corpus it grows is kept in target/fuzz/corpus/; an input that crashes is written to
# fuzz/artifacts/TARGET/ and the script fails.
set -eu
# $GOVWATCH_CORPUS is relative to where the script was called from (CI: the repository).
corpus_seeds=
if [ -n "${GOVWATCH_CORPUS:-}" ] && [ -d "$GOVWATCH_CORPUS" ]; then
    corpus_seeds=$(cd "$GOVWATCH_CORPUS" && pwd)
fi
cd "$(dirname "$0")"
target=$1
seconds=${2:-60}
shift 2 2>/dev/null || shift $#
host=$(rustc -vV | sed -n 's/^host: //p')
# --target keeps the instrumentation off build scripts and proc macros, which run in cargo.
RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing" \
    cargo build --locked --release --quiet --target "$host" --target-dir ../target/fuzz --bin "$target"
corpus=../target/fuzz/corpus/$target
mkdir -p "$corpus" "artifacts/$target"
case $target in
parse) seeds="../tests/fixtures $corpus_seeds" ;;
*) seeds="seeds/$target" ;;
esac
# Inputs up to 256 KiB (feeds are bigger, but the parser's paths are all reached by then);
# an input that takes over 10 s is a hang, a finding like a crash.
# shellcheck disable=SC2086 # the seed directories are separate arguments
exec "../target/fuzz/$host/release/$target" -max_total_time="$seconds" -max_len=262144 \
    -timeout=10 -print_final_stats=1 -artifact_prefix="artifacts/$target/" "$@" "$corpus" $seeds
