#!/bin/sh
# Makes a checkout runnable: installs dependencies when the lock file moved, compiles with SWC when a
# source changed. Runs before every `npm run lab` and `npm test`, so the no-op path must stay fast
# (two stat checks and one find). POSIX sh: it runs before Node 24 exists on a fresh clone.
set -eu

cd "$(dirname "$0")/.."
ROOT=$(pwd)

# Node 24 comes from the `node` devDependency; put it (and swc, jest) ahead of the machine's Node.
PATH="$ROOT/node_modules/.bin:$PATH"
export PATH

# Progress goes to stderr: `npm run -s lab -- status --json` must print nothing but JSON on stdout.
step() { printf 'bootstrap: %s\n' "$*" >&2; }

# 1. Dependencies. The first install runs under the machine's npm/Node (maybe 20); that is fine:
#    it installs the node@24 package, and everything after runs on that.
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "installing dependencies (npm ci)"
  npm ci --no-audit --no-fund 1>&2
fi
if [ ! -x node_modules/.bin/node ]; then
  echo "bootstrap: node_modules/.bin/node is missing after npm ci; the 'node' devDependency should provide Node 24. Run 'npm ci' and check its output." >&2
  exit 1
fi

# 2. Build (the `build` script's equivalent), skipped when nothing under the source dirs is newer
#    than the last build. Only existing dirs are passed: swc fails on a missing one.
SRC_DIRS=""
for d in apps libs tools load-tests experiments; do
  [ -d "$d" ] && SRC_DIRS="$SRC_DIRS $d"
done
STAMP=dist/.build-stamp
needs_build=no
if [ ! -f "$STAMP" ] || [ .swcrc -nt "$STAMP" ] || [ package-lock.json -nt "$STAMP" ]; then
  needs_build=yes
elif [ -n "$(find $SRC_DIRS -newer "$STAMP" \( -name '*.ts' -o -name '*.js' -o -name '*.json' -o -name '*.sql' -o -name '*.yml' -o -name '*.yaml' -o -name '*.proto' \) -print 2>/dev/null | head -n 1)" ]; then
  needs_build=yes
fi
if [ "$needs_build" = yes ]; then
  step "compiling$SRC_DIRS -> dist (swc)"
  # Touch the stamp first: a file edited during the build is then newer and triggers the next one.
  mkdir -p dist
  touch "$STAMP.next"
  # shellcheck disable=SC2086 # word splitting of the dir list is intended
  # The console's page is not SWC's: Vite builds it (step 3).
  swc $SRC_DIRS -d dist --copy-files --quiet --ignore 'apps/console/web/**'
  mv "$STAMP.next" "$STAMP"
fi

# 3. The console's page (apps/console/web, React): built by Vite into dist/apps/console/public when a
#    file there is newer than the built index.html (SWC skips that folder).
WEB_SRC=apps/console/web
WEB_OUT=dist/apps/console/public/index.html
if [ -d "$WEB_SRC" ]; then
  if [ ! -f "$WEB_OUT" ] || [ package-lock.json -nt "$WEB_OUT" ] || [ -n "$(find "$WEB_SRC" -newer "$WEB_OUT" -type f -print 2>/dev/null | head -n 1)" ]; then
    step "building the console page (vite) -> dist/apps/console/public"
    vite build --config "$WEB_SRC/vite.config.mjs" 1>&2
  fi
fi
