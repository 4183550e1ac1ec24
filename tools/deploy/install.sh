#!/usr/bin/env sh
# Installs kustomize and kubeconform (pinned) into the lab's cache when they are not there yet: the
# tools that build deploy/ and validate it offline (tools/deploy/README.md). Needs Go
# (https://go.dev/dl/); builds from source with `go install`, no binary downloads. Prints the
# directory holding both binaries. A kustomize or kubeconform on PATH is not used: the manifests are
# checked with these versions, whatever else the machine has. `--check` installs nothing: it prints
# the directory when both are there and fails otherwise (what tools/deploy/manifests.spec.ts runs).
set -eu

KUSTOMIZE_VERSION="${KUSTOMIZE_VERSION:-v5.8.2}"
KUBECONFORM_VERSION="${KUBECONFORM_VERSION:-v0.8.0}"
BIN_DIR="${LAB_CACHE_DIR:-$HOME/.cache/jeeves-lab}/deploy-tools/kustomize-${KUSTOMIZE_VERSION}-kubeconform-${KUBECONFORM_VERSION}"

if [ -x "$BIN_DIR/kustomize" ] && [ -x "$BIN_DIR/kubeconform" ]; then
  echo "$BIN_DIR"
  exit 0
fi
if [ "${1:-}" = --check ]; then
  echo "deploy tools: kustomize ${KUSTOMIZE_VERSION} and kubeconform ${KUBECONFORM_VERSION} are not in ${BIN_DIR}; install them with: sh tools/deploy/install.sh" >&2
  exit 1
fi
command -v go >/dev/null 2>&1 || {
  echo "deploy tools: Go is needed to install kustomize ${KUSTOMIZE_VERSION} and kubeconform ${KUBECONFORM_VERSION} (go install); install Go 1.26+" >&2
  exit 1
}
mkdir -p "$BIN_DIR"
echo "deploy tools: go install kustomize ${KUSTOMIZE_VERSION} and kubeconform ${KUBECONFORM_VERSION} into ${BIN_DIR} (once; takes a few minutes)" >&2
GOBIN="$BIN_DIR" GOFLAGS="${GOFLAGS:--trimpath}" go install "sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}"
GOBIN="$BIN_DIR" GOFLAGS="${GOFLAGS:--trimpath}" go install "github.com/yannh/kubeconform/cmd/kubeconform@${KUBECONFORM_VERSION}"
echo "$BIN_DIR"
