#!/bin/sh
# The image's entrypoint: starts one Jeeves app, named by the container's command
# (`docker run jeeves-lab worker`), the way the lab starts it (tools/lab/instances.ts): Node with
# the tracing preload before the app's compiled main. `exec`: node becomes PID 1 and gets SIGTERM
# itself, so the app's graceful shutdown runs on `docker stop`.
set -eu

cd "$(dirname "$0")/../.."

# The apps this image holds: every dist/apps/<app>/src/main.js.
apps() {
  for main in dist/apps/*/src/main.js; do
    [ -f "$main" ] || continue
    main=${main#dist/apps/}
    printf ' %s' "${main%%/*}"
  done
}
usage() { printf 'usage: <app>   (node options go in NODE_OPTIONS)\napps:%s\n' "$(apps)" >&2; }

app="${1:-}"
case "$app" in
  "" | -h | --help)
    usage
    exit 64
    ;;
  *[!a-z-]*)
    printf 'jeeves: "%s" is not an app name\n' "$app" >&2
    usage
    exit 64
    ;;
esac
main="dist/apps/$app/src/main.js"
if [ "$#" -ne 1 ]; then
  printf 'jeeves: one argument, the app; node options go in NODE_OPTIONS\n' >&2
  usage
  exit 64
fi
if [ ! -f "$main" ]; then
  printf 'jeeves: no app "%s" in this image\n' "$app" >&2
  usage
  exit 64
fi
# kafkajs 2.2.4 computes some timers from stale timestamps and Node 24 warns on every negative
# timeout (it treats them as 1 ms, which is what kafkajs meant): the lab silences that warning too.
exec node --disable-warning=TimeoutNegativeWarning --require ./dist/libs/observability/src/preload.js "$main"
