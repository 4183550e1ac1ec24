#!/usr/bin/env sh
# Installs gitleaks (the secrets scanner, pinned) into the lab's cache when it is not there yet and
# prints the binary's path. Needs Go (https://go.dev/dl/); builds from source with `go install`, no
# binary downloads. A gitleaks on PATH is not used: the tree is scanned with this version and its
# rules, whatever else the machine has. `--check` installs nothing: it prints the path when the
# binary is there and fails otherwise.
set -eu

GITLEAKS_VERSION="${GITLEAKS_VERSION:-v8.30.1}"
BIN_DIR="${LAB_CACHE_DIR:-$HOME/.cache/jeeves-lab}/gitleaks-${GITLEAKS_VERSION}"
BIN="$BIN_DIR/gitleaks"

if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi
if [ "${1:-}" = --check ]; then
  echo "gitleaks ${GITLEAKS_VERSION} is not in ${BIN_DIR}; install it with: sh tools/security/install-gitleaks.sh" >&2
  exit 1
fi
command -v go >/dev/null 2>&1 || {
  echo "gitleaks: Go is needed to install gitleaks ${GITLEAKS_VERSION} (go install); install Go 1.24+" >&2
  exit 1
}
mkdir -p "$BIN_DIR"
echo "gitleaks: go install ${GITLEAKS_VERSION} into ${BIN_DIR} (once; takes a minute or two)" >&2
# The module keeps its old path (zricethezav) in go.mod; the version is stamped as its release does.
GOBIN="$BIN_DIR" GOFLAGS="${GOFLAGS:--trimpath}" go install \
  -ldflags "-X github.com/zricethezav/gitleaks/v8/version.Version=${GITLEAKS_VERSION}" \
  "github.com/zricethezav/gitleaks/v8@${GITLEAKS_VERSION}"
echo "$BIN"
