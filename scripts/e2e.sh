#!/usr/bin/env bash
# End-to-end check of the plugin inside a real Tyk gateway binary.
#
#   TYK_BIN=/path/to/tyk bash scripts/e2e.sh
#
# TYK_BIN        a Tyk gateway built with -tags goplugin (without it the
#                script says it skipped and exits 0)
# PLUGIN_SO      the plugin built for that gateway; default
#                dist/upstreamcause_<version>_linux_<arch>.so
# TYK_VERSION    the gateway's version (vX.Y.Z); default: what
#                "$TYK_BIN --version" prints
# TYK_TEMPLATES  the gateway's templates folder; default: templates/ beside
#                TYK_BIN or one level up, else minimal stand-ins
# E2E_VERBOSE=1  print every checked access-log entry
# E2E_KEEP=1     keep the temporary folder (configs, logs) and say where
# E2E_PROBE=0    run the gateway without UPSTREAMCAUSE_PROBE=on (default on:
#                the run checks the probe's entries from the gateway's node
#                and upstream_probe in the next failure's entry)
# E2E_PROXY_STATUS=0  run it without UPSTREAMCAUSE_PROXY_STATUS=on and
#                _DETAILS=on (default on: the run checks every client's
#                Proxy-Status; off, it checks that there is none)
# E2E_SOAK=1     after the checks, run the soak (scripts/e2e soak):
#                E2E_SOAK_N (default 50000) concurrent mixed requests, 64
#                clients (HTTP/1.1 keep-alive and h2c, some cancelled,
#                A/B clients alternating a failing do_not_track request and
#                a cancelled hookless one on one connection) through hooked,
#                hookless and do_not_track APIs; every access-log entry is
#                matched to its own request and must carry no other request's
#                failure; the gateway's RSS, heap and goroutines (pprof:
#                the gateway is started with --httpprofile) must stay flat.
#                E2E_SOAK_ARGS adds flags of "e2e soak" (e.g. -seed N)
# E2E_BENCH=1    after the checks (and the soak), run BenchmarkRealGateway
#                (scripts/e2e): the same API without any plugin, with
#                upstreamcause on the default wiring (pre hook + analytics
#                plugin) and on all three hooks, interleaved; E2E_BENCH_N
#                requests per API (default 20000)
# NOOP_SO        with E2E_BENCH=1: the no-op plugin of scripts/e2e/noopplugin
#                built for the same gateway (PLUGIN_PKG=./scripts/e2e/noopplugin
#                PLUGIN_NAME=noopplugin scripts/build-plugin.sh), to tell what
#                the gateway charges for a Go pre hook, analytics plugin and
#                response hook from what upstreamcause itself adds
# E2E_BENCH_PROFILE=FILE  with E2E_BENCH=1: write a CPU profile of the
#                gateway process over the benchmark's timed part to FILE
#                (go tool pprof FILE; the gateway runs with --httpprofile)
# E2E_NAMES      the naming modes (UPSTREAMCAUSE_FIELD_NAMES) checked after
#                the main run, which is in the default mode (tyk); default
#                "ecs otel", empty for none: for each, the gateway is
#                restarted with that mode (and the same probe and
#                Proxy-Status settings) and every demo case is sent once
#                through its classic API; each entry must carry the key
#                fields under that mode's names, and every access-log and
#                probe entry of the log must validate against
#                schema/access-log.<mode>.json and schema/probe-entry.json
#                (the main run validates its log against the tyk schema)
# OTELCOL_BIN    after the checks (and the other naming modes), ship the
#                gateway's log through this OpenTelemetry Collector with
#                examples/shipping/otelcol.yaml, its exporter swapped for
#                the file exporter (scripts/e2e otelcol): every demo case's
#                record must carry the OpenTelemetry attributes with their
#                OTLP types, every entry as the example maps it, and the
#                otel mode's log (E2E_NAMES with otel) the same attributes
#                as the default mode's. The collector needs the filelog
#                receiver, the transform processor and the OTLP and file
#                exporters: what internal/otelcol builds
# E2E_OTELCOL=1  the same with internal/otelcol built for the run (Go 1.25+;
#                about 2.5 minutes on 2 cores the first time)
# E2E_FLEET=1    after the checks, run the fleet (scripts/e2e fleet): three
#                more gateway processes of the same binary as the nodes
#                gw-a, gw-b, gw-c of one fleet (their own Redis), with
#                node-only failures made for real inside the namespace (an
#                nftables drop of what gw-a's user sends to one upstream
#                after gw-a restarts; gw-c's own resolver failing for
#                another), an upstream down and back, and an intermediary's
#                idle timeout; then "upstreamcause triage" over their logs,
#                as files and as kubectl --prefix output, must rank and name
#                each scenario right. E2E_FLEET=only: the fleet alone.
#                Needs nft (nftables; installed when missing and root)
# E2E_FLEET_PLUGIN=0  the fleet's APIs without the plugin (Tyk's own logs
#                only: the 5.12+ flags, or 5.8's proxy-error lines); with
#                E2E_FLEET=only no PLUGIN_SO is needed
# E2E_FLEET_REPORT=DIR  copy the fleet's logs and reports (txt, md, json,
#                html) to DIR, and a screenshot of the HTML report taken
#                with headless Chromium (installed when missing and root)
# E2E_FLEET_DURATION  how long the fleet's incident runs (default 40s)
#
# The soak and the benchmark run whenever the gateway is up, even when a
# check failed; the exit status is 1 if any of them failed.
#
# Inside a network namespace of its own (only lo, up; /etc/resolv.conf
# bind-mounted to name 127.0.0.1) it starts Redis, the failing upstreams of
# internal/upstreams with a DNS server on 127.0.0.1:53 (scripts/e2e), and
# the gateway with a tyk.conf and one classic and one OAS API per upstream
# case, all made from examples/. It sends each demo case through both APIs
# and checks each access-log entry and analytics record against what
# internal/cases expects (as the test host's tests do), then reproduces the
# answers the gateway produces itself (no healthy upstream, open circuit
# breaker, enforced timeout, auth/rate-limit/quota/size/validation 4xx) on
# APIs of their own and checks them against scripts/e2e/gateway.go. Nothing leaves the
# machine: the namespace has no other interface. Exit status 0 when
# everything matches.
set -euo pipefail

log() { printf 'e2e: %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 1
}

# install_cmd CMD PACKAGE: installs the Debian package when CMD is missing
# (as root with apt-get), else dies naming it.
install_cmd() {
	command -v "$1" >/dev/null && return
	if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null; then
		die "$1 is needed (apt-get install -y $2)"
	fi
	log "installing $2"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null ||
		{ apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; } ||
		die "could not install $2"
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The gateway's port, Redis' port: fixed, as the namespace is ours alone.
gw_port=8080
redis_port=6379

outer() {
	if [[ -z ${TYK_BIN:-} ]]; then
		echo "e2e: skipped: TYK_BIN is not set (the path of a Tyk gateway built with -tags goplugin; see the header of scripts/e2e.sh)"
		exit 0
	fi
	[[ -f $TYK_BIN && -x $TYK_BIN ]] || die "TYK_BIN=$TYK_BIN is not an executable file"
	TYK_BIN=$(cd "$(dirname "$TYK_BIN")" && pwd)/$(basename "$TYK_BIN")

	local version=${TYK_VERSION:-}
	if [[ -z $version ]]; then
		version=$(timeout 20 "$TYK_BIN" --version 2>&1 | grep -Eo 'v?[0-9]+\.[0-9]+\.[0-9]+' | head -n1 || true)
		[[ -n $version ]] || die "cannot tell the gateway's version from '$TYK_BIN --version'; set TYK_VERSION=vX.Y.Z"
	fi
	version=v${version#v}
	version=${version%%-*} # as the gateway's plugin name builder: v5.8.15-rc1 -> v5.8.15

	local arch
	case $(uname -m) in
	x86_64 | amd64) arch=amd64 ;;
	aarch64 | arm64) arch=arm64 ;;
	*) arch=$(uname -m) ;;
	esac

	local so=${PLUGIN_SO:-$root/dist/upstreamcause_${version}_linux_${arch}.so}
	if [[ ${E2E_FLEET:-} == only && ${E2E_FLEET_PLUGIN:-1} == 0 ]]; then
		so= # the fleet without the plugin: none needed
	else
		[[ -f $so ]] || die "no plugin at $so (build it for $version, or set PLUGIN_SO)"
		so=$(cd "$(dirname "$so")" && pwd)/$(basename "$so")
	fi
	local noop=${NOOP_SO:-}
	if [[ -n $noop ]]; then
		[[ -f $noop ]] || die "NOOP_SO=$noop is not a file"
		noop=$(cd "$(dirname "$noop")" && pwd)/$(basename "$noop")
	fi

	local templates=${TYK_TEMPLATES:-}
	if [[ -z $templates ]]; then
		local d
		for d in "$(dirname "$TYK_BIN")/templates" "$(dirname "$(dirname "$TYK_BIN")")/templates"; do
			if [[ -f $d/error.json ]]; then
				templates=$d
				break
			fi
		done
	fi

	command -v go >/dev/null || die "go is needed to build the helper (scripts/e2e)"
	command -v unshare >/dev/null || die "unshare (util-linux) is needed"
	command -v ip >/dev/null || die "ip (iproute2) is needed"
	install_cmd redis-server redis-server

	if [[ -n ${E2E_FLEET:-} ]]; then
		install_cmd nft nftables
		if [[ -n ${E2E_FLEET_REPORT:-} ]]; then
			install_cmd chromium chromium
			mkdir -p "$E2E_FLEET_REPORT"
			E2E_FLEET_REPORT=$(cd "$E2E_FLEET_REPORT" && pwd)
		fi
	fi

	trap 'exit 130' INT TERM
	work=$(mktemp -d "${TMPDIR:-/tmp}/upstreamcause-e2e.XXXXXX")
	# shellcheck disable=SC2064 # expand $work now
	if [[ ${E2E_KEEP:-} == 1 ]]; then
		trap "log 'kept $work'" EXIT
	else
		trap "rm -rf '$work'" EXIT
	fi

	log "building the helper (scripts/e2e)"
	(cd "$root" && GOWORK=off go build -o "$work/e2e" ./scripts/e2e) || die "building scripts/e2e failed"
	local otelcol=
	if [[ -n ${OTELCOL_BIN:-} ]]; then
		[[ -f $OTELCOL_BIN && -x $OTELCOL_BIN ]] || die "OTELCOL_BIN=$OTELCOL_BIN is not an executable file"
		otelcol=$(cd "$(dirname "$OTELCOL_BIN")" && pwd)/$(basename "$OTELCOL_BIN")
	elif [[ ${E2E_OTELCOL:-} == 1 ]]; then
		log "building the test collector (internal/otelcol; a few minutes the first time)"
		(cd "$root/internal/otelcol" && GOWORK=off go build -trimpath -o "$work/otelcol" .) || die "building internal/otelcol failed"
		otelcol=$work/otelcol
	fi
	if [[ -n ${E2E_FLEET:-} ]]; then
		(cd "$root/cmd/upstreamcause" && GOWORK=off go build -o "$work/upstreamcause" .) || die "building cmd/upstreamcause failed"
		chmod 755 "$work" # the fleet's gw-a runs as nobody
	fi
	if [[ ${E2E_BENCH:-} == 1 ]]; then
		(cd "$root" && GOWORK=off go test -c -o "$work/e2e-bench.test" ./scripts/e2e) || die "building the benchmark failed"
	fi

	# Root gets a network and a mount namespace; anyone else also a user
	# namespace in which it is root.
	local ns=(unshare --net --mount)
	[[ $EUID -eq 0 ]] || ns=(unshare --map-root-user --net --mount)

	log "gateway $TYK_BIN ($version), plugin $so"
	# In the background with wait, so that a signal to this shell is acted
	# on at once: the trap stops the inner run, which stops its processes.
	local rc=0 child
	E2E_WORK=$work E2E_VERSION=$version E2E_OTELCOL_BIN=$otelcol E2E_FLEET_REPORT=${E2E_FLEET_REPORT:-} E2E_ARCH=$arch E2E_SO=$so E2E_NOOP_SO=$noop E2E_TEMPLATES=$templates TYK_BIN=$TYK_BIN \
		"${ns[@]}" -- bash "${BASH_SOURCE[0]}" --inner &
	child=$!
	# shellcheck disable=SC2064 # expand $child now
	trap "kill -TERM $child 2>/dev/null; wait $child; exit 130" INT TERM
	wait "$child" || rc=$?
	exit "$rc"
}

# inner runs inside the namespaces.
inner() {
	local work=$E2E_WORK version=$E2E_VERSION
	pids=()
	# shellcheck disable=SC2317 # called by the trap
	cleanup() {
		local i n
		for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
			kill "${pids[i]}" 2>/dev/null || true
		done
		# Give them 10 s to stop, then SIGKILL what is left.
		for ((n = 0; n < 100; n++)); do
			for ((i = 0; i < ${#pids[@]}; i++)); do
				kill -0 "${pids[i]}" 2>/dev/null && break
			done
			((i == ${#pids[@]})) && break
			sleep 0.1
		done
		for ((i = 0; i < ${#pids[@]}; i++)); do
			kill -KILL "${pids[i]}" 2>/dev/null || true
			wait "${pids[i]}" 2>/dev/null || true
		done
	}
	trap cleanup EXIT
	trap 'exit 130' INT TERM

	ip link set lo up
	if [[ -n $(ip -o link show | grep -v ': lo:' || true) ]]; then
		die "the namespace has an interface besides lo"
	fi
	printf 'nameserver 127.0.0.1\noptions timeout:2 attempts:1\n' >"$work/resolv.conf"
	mount --bind "$work/resolv.conf" "$(readlink -f /etc/resolv.conf)"

	redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
		--dir "$work" --logfile "$work/redis.log" --daemonize no &
	pids+=($!)

	"$work/e2e" serve -dns 127.0.0.1:53 -ca "$work/ca.pem" -env "$work/upstreams.env" >"$work/serve.log" 2>&1 &
	pids+=($!)

	local i
	for ((i = 0; i < 100; i++)); do
		[[ -f $work/upstreams.env ]] && redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && break
		sleep 0.1
	done
	[[ -f $work/upstreams.env ]] || die "the upstreams did not start: $(cat "$work/serve.log")"
	redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 || die "redis did not start: $(tail -n 5 "$work/redis.log")"

	# The plugin as the README says to install it: the versioned file, and
	# the name the API definitions use as a link to it.
	local mw=$work/middleware so_name="upstreamcause_${version}_linux_${E2E_ARCH}.so"
	mkdir -p "$mw"
	if [[ -n $E2E_SO ]]; then
		cp "$E2E_SO" "$mw/$so_name"
		ln -s "$so_name" "$mw/upstreamcause.so"
	fi
	local noop_args=()
	if [[ -n ${E2E_NOOP_SO:-} ]]; then
		cp "$E2E_NOOP_SO" "$mw/noopplugin_${version}_linux_${E2E_ARCH}.so"
		ln -s "noopplugin_${version}_linux_${E2E_ARCH}.so" "$mw/noopplugin.so"
		noop_args=(-noop "$mw/noopplugin.so")
	fi

	local templates=$E2E_TEMPLATES
	if [[ -z $templates ]]; then
		# Minimal stand-ins for the gateway's error templates.
		templates=$work/templates
		mkdir -p "$templates"
		printf '{\n    "error": "{{.Message}}"\n}\n' >"$templates/error.json"
		printf '<?xml version="1.0" encoding="UTF-8"?>\n<error>{{.Message}}</error>\n' >"$templates/error.xml"
	fi

	local rc=0 gw_pid=
	if [[ ${E2E_FLEET:-} != only ]]; then
		local secret soak_args=() gw_args=()
		if [[ ${E2E_SOAK:-} == 1 ]]; then
			soak_args=(-soak)
		fi
		if [[ ${E2E_SOAK:-} == 1 || -n ${E2E_BENCH_PROFILE:-} ]]; then
			gw_args=(--httpprofile) # /debug/pprof on the gateway's port: goroutines, heap, CPU
		fi
		secret=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
		"$work/e2e" config -examples "$root/examples" -dir "$work/gw" -env "$work/upstreams.env" \
			-plugin "$mw/upstreamcause.so" -templates "$templates" -secret "$secret" \
			-port "$gw_port" -redis-port "$redis_port" -timeout 2 "${noop_args[@]}" "${soak_args[@]}"

		# The plugin's opt-in settings the run checks (E2E_PROBE=0,
		# E2E_PROXY_STATUS=0: off, and checked to be off).
		local uc_env=() run_args=()
		if [[ ${E2E_PROBE:-1} == 1 ]]; then
			uc_env+=(UPSTREAMCAUSE_PROBE=on UPSTREAMCAUSE_PROBE_TIMEOUT=2s)
			run_args+=(-probe)
		fi
		if [[ ${E2E_PROXY_STATUS:-1} == 1 ]]; then
			uc_env+=(UPSTREAMCAUSE_PROXY_STATUS=on UPSTREAMCAUSE_PROXY_STATUS_DETAILS=on)
			run_args+=(-proxy-status)
		fi

		# start_gateway LOG [VAR=value …]: the gateway, logging to LOG, with
		# the plugin's settings and any more given. SSL_CERT_FILE: it trusts
		# the upstreams' test CA (only it).
		start_gateway() {
			local logf=$1
			shift
			(cd "$work/gw" && exec env SSL_CERT_FILE="$work/ca.pem" "${uc_env[@]}" "$@" "$TYK_BIN" start --conf "$work/gw/tyk.conf" "${gw_args[@]}") \
				>"$logf" 2>&1 &
			pids+=($!)
			gw_pid=$!
		}
		# stop_gateway: SIGTERM, and wait for it to exit (SIGKILL after 20 s).
		stop_gateway() {
			local n keep=() p
			kill -TERM "$gw_pid" 2>/dev/null || true
			for ((n = 0; n < 200; n++)); do
				kill -0 "$gw_pid" 2>/dev/null || break
				sleep 0.1
			done
			kill -KILL "$gw_pid" 2>/dev/null || true
			wait "$gw_pid" 2>/dev/null || true
			for p in "${pids[@]}"; do
				[[ $p == "$gw_pid" ]] || keep+=("$p")
			done
			pids=("${keep[@]}")
			gw_pid=
		}
		start_gateway "$work/gateway.log"

		local verbose=()
		[[ ${E2E_VERBOSE:-} == 1 ]] && verbose=(-v)
		"$work/e2e" run -gw "http://127.0.0.1:$gw_port" -secret "$secret" -log "$work/gateway.log" \
			-redis "127.0.0.1:$redis_port" -env "$work/upstreams.env" -oas "$work/gw/oas" \
			-version "$version" "${verbose[@]}" "${run_args[@]}" &
		pids+=($!)
		wait "${pids[-1]}" || rc=$?
		if [[ ${E2E_SOAK:-} == 1 ]] && kill -0 "$gw_pid" 2>/dev/null; then
			log "soak: ${E2E_SOAK_N:-50000} concurrent mixed requests"
			local extra=()
			# shellcheck disable=SC2206 # words on purpose
			[[ -n ${E2E_SOAK_ARGS:-} ]] && extra=(${E2E_SOAK_ARGS})
			"$work/e2e" soak -gw "http://127.0.0.1:$gw_port" -log "$work/gateway.log" -env "$work/upstreams.env" \
				-pid "$gw_pid" -version "$version" -n "${E2E_SOAK_N:-50000}" -c 64 "${extra[@]}" &
			pids+=($!)
			wait "${pids[-1]}" || rc=1
		fi
		if [[ ${E2E_BENCH:-} == 1 ]] && kill -0 "$gw_pid" 2>/dev/null; then
			log "benchmark: the same API without any plugin and with it, ${E2E_BENCH_N:-20000} requests each"
			E2E_BENCH_GW="http://127.0.0.1:$gw_port" E2E_BENCH_PID=$gw_pid E2E_BENCH_NOOP=$([[ -n ${E2E_NOOP_SO:-} ]] && echo 1) \
				E2E_BENCH_PROFILE=${E2E_BENCH_PROFILE:-} \
				"$work/e2e-bench.test" -test.run '^$' -test.bench RealGateway \
				-test.benchtime "${E2E_BENCH_N:-20000}x" || rc=1
		fi
		# The other naming modes: the same gateway restarted with each, every
		# demo case once through its classic API.
		local mode
		for mode in ${E2E_NAMES-ecs otel}; do
			log "field names $mode: restarting the gateway with UPSTREAMCAUSE_FIELD_NAMES=$mode"
			stop_gateway
			start_gateway "$work/gateway-$mode.log" UPSTREAMCAUSE_FIELD_NAMES="$mode"
			"$work/e2e" run -gw "http://127.0.0.1:$gw_port" -secret "$secret" -log "$work/gateway-$mode.log" \
				-redis "127.0.0.1:$redis_port" -env "$work/upstreams.env" -kinds classic -gateway-cases=false \
				-names "$mode" -version "$version" "${verbose[@]}" "${run_args[@]}" &
			pids+=($!)
			wait "${pids[-1]}" || rc=1
		done
		# The shipping example through a real collector, over the main run's
		# log and the otel mode's (when it ran).
		if [[ -n ${E2E_OTELCOL_BIN:-} ]]; then
			local otel_log=()
			[[ -f $work/gateway-otel.log ]] && otel_log=(-otel-log "$work/gateway-otel.log")
			log "otelcol: examples/shipping/otelcol.yaml through a real collector over the gateway's logs"
			"$work/e2e" otelcol -bin "$E2E_OTELCOL_BIN" -config "$root/examples/shipping/otelcol.yaml" \
				-log "$work/gateway.log" "${otel_log[@]}" -env "$work/upstreams.env" -version "$version" &
			pids+=($!)
			wait "${pids[-1]}" || rc=1
		fi
	fi
	if [[ -n ${E2E_FLEET:-} ]]; then
		local fleet_plugin=$mw/upstreamcause.so
		[[ ${E2E_FLEET_PLUGIN:-1} == 0 ]] && fleet_plugin=
		log "fleet: three gateway nodes$([[ -z $fleet_plugin ]] && echo ' without the plugin'), ${E2E_FLEET_DURATION:-40s} of traffic and incident"
		mkdir -p "$work/fleet"
		"$work/e2e" fleet -tyk "$TYK_BIN" -version "$version" -plugin "$fleet_plugin" -examples "$root/examples" \
			-templates "$templates" -dir "$work/fleet" -triage "$work/upstreamcause" -redis-port 6380 \
			-duration "${E2E_FLEET_DURATION:-40s}" -report "${E2E_FLEET_REPORT:-}" &
		pids+=($!)
		wait "${pids[-1]}" || rc=1
	fi
	if ((rc != 0)); then
		local gl
		for gl in "$work"/gateway.log "$work"/gateway-*.log; do
			[[ -f $gl ]] || continue
			log "$(basename "$gl") (last 30 lines that are neither access-log nor proxy-error entries):"
			grep -v -e '"prefix":"access-log"' -e '"prefix":"proxy"' "$gl" | tail -n 30 | cut -c1-500 >&2 || true
		done
	fi
	return "$rc"
}

if [[ ${1:-} == --inner ]]; then
	inner
else
	outer
fi
