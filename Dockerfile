# syntax=docker/dockerfile:1
# One image for the six Jeeves apps: the app is chosen when the container starts, by its command
# (`docker run jeeves-lab gateway`), not when the image is built (docs/decisions/0082).
#
#   docker build -t jeeves-lab .
#   docker run --rm -p 127.0.0.1:3003:8080 jeeves-lab provider
#
# Node 24 comes from the base image here, not from the `node` devDependency the checkout uses
# (ADR 0001): its version is the same, and tools/docker/image.spec.ts keeps the two equal. Pinned by
# its exact version tag; see the ADR for why not by digest yet.
FROM node:24.21.0-trixie-slim AS base
WORKDIR /app

# Production dependencies only, straight from the lock file. --ignore-scripts: the only install
# scripts in the tree are the `node` package's (it fetches a Node binary; the base has one) and
# @swc/core's (a build tool, not needed at run time); no runtime dependency needs one.
FROM base AS deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# The build: every dependency, then SWC over apps/ and libs/ with the options of nest-cli.json's
# builder (what `nest build <app>` and tools/bootstrap.sh write to dist/ for these two folders).
FROM base AS build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY .swcrc ./
COPY libs libs
COPY apps apps
RUN node_modules/.bin/swc apps libs -d dist --copy-files --quiet --ignore '**/*.spec.ts' --ignore '**/*.d.ts' --ignore 'apps/console/web/**'

FROM base AS runtime
# NODE_ENV=production: the token-dealer then refuses the lab's published client secrets
# (TOKEN_CLIENTS must name real ones); the compose `apps` profile is a lab and says development.
# HOST: a container's loopback is unreachable from outside it. PORT: one port for every app in a
# container (the lab's 3000-3005 exist to share one host); compose sets the lab's ports anyway.
# DATA_DIR: where data-service keeps its SQLite file; mount a volume there to keep it.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data \
    KAFKAJS_NO_PARTITIONER_WARNING=1
# package.json is needed at run time: its `imports` map resolves #libs/* to dist/libs.
COPY package.json ./
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY tools/docker/entrypoint.sh tools/docker/healthcheck.js tools/docker/
# The base image's `node` user (uid and gid 1000), numeric so that Kubernetes' runAsNonRoot can
# check it. The code stays root's and read-only to it; only DATA_DIR is its own.
RUN mkdir -p /data && chown 1000:1000 /data
USER 1000:1000
EXPOSE 8080
# Liveness only (the process answers HTTP); /health/ready (Kafka connected) is for orchestrators
# that route traffic. Slim images have no curl: node's own fetch does the request.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "/app/tools/docker/healthcheck.js"]
ENTRYPOINT ["/app/tools/docker/entrypoint.sh"]
CMD ["--help"]
