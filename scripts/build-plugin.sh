#!/usr/bin/env bash
# Builds the plugin for one gateway version: dist/upstreamcause_<version>_<os>_<arch>.so,
# and points the link dist/upstreamcause.so at it (API definitions name that
# path: request and response hooks find the versioned file beside it, the
# analytics plugin loads the literal path before Tyk 5.15).
#
#   TYK_VERSION=v5.8.15 scripts/build-plugin.sh       # with Tyk's official plugin compiler image (Docker)
#   TYK_SRC=/path/to/tyk scripts/build-plugin.sh      # against a local gateway source tree (no Docker)
#
# TYK_WORK_REPLACE (space-separated module=dir-or-module@version pairs) adds
# `go work edit -replace` lines to the local workspace, for modules the
# gateway needs that your module proxy cannot serve (e.g.
# github.com/TykTechnologies/tyk-pump=/src/tyk-pump). They must be the very
# ones the gateway binary was built with.
#
# Either way it first checks that building in a workspace with the gateway
# would not raise the version of any module the gateway links
# (scripts/sharedmods), and stops if it would: such a plugin fails to load.
#
# With TYK_SRC the plugin is built in a Go workspace holding the gateway source
# and this repository, as the plugin compiler does. The gateway binary you run
# must have been built from that same source with the same Go toolchain and
# the same flags (GO_BUILD_FLAGS, default -trimpath, as the official
# compiler and release builds use) and -tags goplugin; otherwise Go refuses to
# load the plugin.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
name=${PLUGIN_NAME:-upstreamcause}
pkg=${PLUGIN_PKG:-./plugin} # the package to build; the product is ./plugin
goos=$(go env GOOS)
goarch=$(go env GOARCH)
flags=${GO_BUILD_FLAGS:--trimpath}
mkdir -p "$repo/dist"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -n "${TYK_SRC:-}" ]; then
	src=$(cd "$TYK_SRC" && pwd)
	[ -f "$src/go.mod" ] || { echo "build-plugin: $src/go.mod not found: TYK_SRC must be the gateway's source root" >&2; exit 2; }
	version=${TYK_VERSION:-$(git -C "$src" describe --tags --exact-match 2>/dev/null || true)}
	[ -n "$version" ] || { echo "build-plugin: cannot tell the gateway version of $src: set TYK_VERSION=vX.Y.Z" >&2; exit 2; }
	echo "== shared modules: $name against $src/go.mod"
	(cd "$repo" && go run ./scripts/sharedmods -gateway "$src/go.mod")
	out="$repo/dist/${name}_${version}_${goos}_${goarch}.so"
	(cd "$tmp" && GOWORK=off go work init "$src" "$repo")
	for r in ${TYK_WORK_REPLACE:-}; do
		(cd "$tmp" && go work edit -replace "$r")
	done
	echo "== go build -buildmode=plugin $flags -tags=goplugin $pkg (workspace: $src + $repo)"
	# shellcheck disable=SC2086 # flags are words
	(cd "$repo" && GOWORK="$tmp/go.work" CGO_ENABLED=1 go build -buildmode=plugin $flags -tags=goplugin -o "$out" "$pkg")
	ln -sf "$(basename "$out")" "$repo/dist/$name.so"
	echo "built $out (and the link dist/$name.so)"
	exit 0
fi

version=${TYK_VERSION:?build-plugin: set TYK_VERSION=vX.Y.Z (Docker, official compiler) or TYK_SRC=/path/to/tyk (local)}
image=${TYK_COMPILER_IMAGE:-tykio/tyk-plugin-compiler:$version}
command -v docker >/dev/null || { echo "build-plugin: docker not found; use TYK_SRC=/path/to/tyk to build without Docker" >&2; exit 2; }
echo "== shared modules: $name against the go.mod in $image"
docker run --rm --entrypoint cat "$image" /go/src/github.com/TykTechnologies/tyk/go.mod > "$tmp/gateway.go.mod"
(cd "$repo" && go run ./scripts/sharedmods -gateway "$tmp/gateway.go.mod")
# The image's build.sh builds the package at the source root; ours is ./plugin,
# so run its steps (copy, workspace with the gateway, same flags) with ./plugin.
echo "== building in $image"
docker run --rm --platform "linux/$goarch" -v "$repo":/plugin-source --entrypoint /bin/bash "$image" -c '
	set -e
	ws=$(dirname "$TYK_GW_PATH")
	cp -r /plugin-source "$ws/plugin_'"$name"'"
	rm -f "$ws/go.work"
	cd "$ws" && go work init ./tyk ./plugin_'"$name"'
	cd plugin_'"$name"'
	CGO_ENABLED=1 go build -buildmode=plugin '"$flags"' -tags=goplugin -o /plugin-source/dist/'"${name}_${version}_linux_${goarch}"'.so '"$pkg"
ln -sf "${name}_${version}_linux_${goarch}.so" "$repo/dist/$name.so"
echo "built $repo/dist/${name}_${version}_linux_${goarch}.so (and the link dist/$name.so)"
