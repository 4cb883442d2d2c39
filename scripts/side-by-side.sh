#!/usr/bin/env bash
# side-by-side.sh BASE [NEW]: the speed figures of two commits of khaosat,
# measured in one run on this machine, the two alternating round by round
# (ROUNDS, default 3); each figure is the median of its rounds. A shared
# or noisy machine moves both columns alike, so compare them, not the
# figures of another day.
#
#   intake 8 / 32   household submissions per second from the load tool
#                   (LOADGEN: its binary or source directory; default
#                   ../shared/tools/loadgen beside the repository) against
#                   `khaosat serve` on a fresh embedded database
#   export csv/zip  BenchmarkExportHTTP, seconds per 10,000 households
#   indicators      BenchmarkIndicatorHTTP, milliseconds per table at
#                   KHAOSAT_BENCH_ROWS child rows (default 200000)
#   start-up        BenchmarkStartup, milliseconds to start on a full database
#
# Intake is better higher; the others are times, better lower.
#
# Example: scripts/side-by-side.sh origin/main~5 HEAD
set -euo pipefail
[ $# -ge 1 ] || { sed -n 2,18p "$0"; exit 2; }
BASE=$1 NEW=${2:-HEAD} ROUNDS=${ROUNDS:-3}
repo=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
servers=()
cleanup() {
	for p in "${servers[@]}"; do kill "$p" 2>/dev/null || true; done
	for s in base new; do git -C "$repo" worktree remove --force "$work/$s-src" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

loadgen=${LOADGEN:-$repo/../shared/tools/loadgen}
if [ -d "$loadgen" ]; then
	(cd "$loadgen" && go build -o "$work/loadgen" .)
	loadgen=$work/loadgen
fi
[ -x "$loadgen" ] || { echo "side-by-side: no load tool at $loadgen (set LOADGEN)" >&2; exit 2; }

for s in base new; do
	ref=$BASE; [ $s = new ] && ref=$NEW
	git -C "$repo" worktree add -q --detach "$work/$s-src" "$ref"
	(cd "$work/$s-src" && go build -o "$work/$s-khaosat" ./cmd/khaosat && go test -c -o "$work/$s.test" ./cmd/khaosat)
	echo "$s: $(git -C "$repo" log -1 --format='%h %s' "$ref")"
done

# intake SIDE CLIENTS: submissions per second from the load tool.
intake() {
	local side=$1 clients=$2 dir port pid token out
	dir=$(mktemp -d -p "$work")
	port=$((20000 + RANDOM % 20000))
	KHAOSAT_ADMIN_PASSWORD=side-by-side-admin "$work/$side-khaosat" serve --addr "127.0.0.1:$port" --data-dir "$dir" \
		--log-level error >"$dir/log" 2>&1 &
	pid=$!
	servers+=("$pid")
	for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
	local base=http://127.0.0.1:$port/api/v1 admin
	admin=$(curl -fsS "$base/auth/login" -H 'Content-Type: application/json' \
		-d '{"username":"admin","password":"side-by-side-admin"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
	curl -fsS "$base/users" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
		-d '{"username":"load","password":"side-by-side-collector","display_name":"Load","role":"collector","units":["00004"]}' >/dev/null
	token=$(curl -fsS "$base/auth/login" -H 'Content-Type: application/json' \
		-d '{"username":"load","password":"side-by-side-collector"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
	out=$("$loadgen" -url "$base/forms/household/submissions" -json "$repo/../shared/tools/loadgen/household-env.json" \
		-bearer "$token" -c "$clients" -d "${INTAKE_SECONDS:-20}s" -node-pid "$pid" -label "$side")
	kill "$pid"; wait "$pid" 2>/dev/null || true
	echo "$out" | sed -E 's/.*"rps": *([0-9.]+).*/\1/'
}

# metric NAME: the figure NAME of the benchmark lines on standard input.
metric() { awk -v m="$1" '/^Benchmark/ { for (i = 2; i <= NF; i++) if ($i == m) print $(i-1) }' | head -1; }

# bench SIDE NAME METRIC: a benchmark's figure from the side's test binary.
bench() {
	(cd "$repo/cmd/khaosat" && "$work/$1.test" -test.run '^$' -test.bench "$2" -test.benchtime 1x 2>/dev/null) | metric "$3"
}

declare -A fig
for r in $(seq "$ROUNDS"); do
	for s in base new; do
		[ $((r % 2)) = 0 ] && s=$([ $s = base ] && echo new || echo base) # alternate who goes first
		fig[$s,intake8]+=" $(intake $s 8)"
		fig[$s,intake32]+=" $(intake $s 32)"
		ex=$(cd "$repo/cmd/khaosat" && "$work/$s.test" -test.run '^$' -test.bench 'ExportHTTP$' -test.benchtime 1x 2>/dev/null | grep '^Benchmark')
		fig[$s,export_csv]+=" $(echo "$ex" | metric csv_s/10k)"
		fig[$s,export_zip]+=" $(echo "$ex" | metric zip_s/10k)"
		fig[$s,indicators]+=" $(bench $s 'IndicatorHTTP$' ms/query)"
		fig[$s,startup]+=" $(bench $s 'Startup$' ms/start_full)"
	done
	echo "round $r done" >&2
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : "-") }'; }
printf '%-14s %12s %12s %8s\n' figure base new new/base
for k in intake8 intake32 export_csv export_zip indicators startup; do
	b=$(echo "${fig[base,$k]}" | median) n=$(echo "${fig[new,$k]}" | median)
	printf '%-14s %12s %12s %8s\n' "$k" "$b" "$n" "$(awk -v b="$b" -v n="$n" 'BEGIN { if (b + 0 > 0) printf "%.2f", n / b; else print "-" }')"
done
