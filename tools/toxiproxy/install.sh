#!/usr/bin/env sh
# Installs toxiproxy-server and toxiproxy-cli (pinned) into the lab's cache when they are not on
# PATH. Needs Go (https://go.dev/dl/); builds from source with `go install`, no binary downloads.
# Prints the directory holding both binaries.
set -eu

TOXIPROXY_VERSION="${TOXIPROXY_VERSION:-v2.12.0}"
BIN_DIR="${LAB_CACHE_DIR:-$HOME/.cache/jeeves-lab}/bin"

if command -v toxiproxy-server >/dev/null 2>&1 && command -v toxiproxy-cli >/dev/null 2>&1; then
  dirname "$(command -v toxiproxy-server)"
  exit 0
fi
if [ -x "$BIN_DIR/toxiproxy-server" ] && [ -x "$BIN_DIR/toxiproxy-cli" ]; then
  echo "$BIN_DIR"
  exit 0
fi
command -v go >/dev/null 2>&1 || {
  echo "toxiproxy: Go is needed to install toxiproxy-server ${TOXIPROXY_VERSION} (go install); install Go 1.22+ or put toxiproxy-server on PATH" >&2
  exit 1
}
mkdir -p "$BIN_DIR"
echo "toxiproxy: go install ${TOXIPROXY_VERSION} into ${BIN_DIR} (once; takes a minute)" >&2
GOBIN="$BIN_DIR" GOFLAGS="${GOFLAGS:--trimpath}" go install "github.com/Shopify/toxiproxy/v2/cmd/server@${TOXIPROXY_VERSION}" "github.com/Shopify/toxiproxy/v2/cmd/cli@${TOXIPROXY_VERSION}"
# The module's commands are named after their directories; give them their usual names.
mv -f "$BIN_DIR/server" "$BIN_DIR/toxiproxy-server"
mv -f "$BIN_DIR/cli" "$BIN_DIR/toxiproxy-cli"
echo "$BIN_DIR"
