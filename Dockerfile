# One image per service, all from this file:
#   docker build --build-arg SERVICE=ingest -t geopulse/ingest .
# SERVICE is one of ingest, aggregator, rules, geo, notifier. NODE_IMAGE is the base; it defaults
# to the official Node 24 image. Where no registry can be pulled from (this project's CI), it is
# a local image with the same layout (tools/images/node-base-image.sh). `npm run images` builds
# all five. The same image also runs the Helm chart's topic-provisioning hook:
#   node libs/kafka/dist/provision-topics-cli.js
ARG NODE_IMAGE=node:24-bookworm-slim

# Only the package manifests, so that the dependency layers below are rebuilt only when a
# package.json or the lock file changes, not on every source edit.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
COPY libs libs
COPY services services
RUN find libs services -mindepth 2 -not -path '*/package.json' -not -type d -delete && \
    find libs services -mindepth 2 -type d -empty -delete

# Production dependencies only (no dev tools), shared by every service image.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=manifests /app ./
# EXTRA_CA_CERTS (PEM): extra trusted CAs for npm behind a TLS-inspecting proxy; used by the
# build stages only, never part of the runtime image.
ARG EXTRA_CA_CERTS=""
RUN if [ -n "$EXTRA_CA_CERTS" ]; then printf '%s\n' "$EXTRA_CA_CERTS" > /tmp/extra-ca.pem; export NODE_EXTRA_CA_CERTS=/tmp/extra-ca.pem; fi && \
    npm install --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force && rm -f /tmp/extra-ca.pem

# Everything needed to compile (TypeScript), then the libraries and all five services at once:
# this stage does not depend on SERVICE, so the five image builds share it (one compilation).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=manifests /app ./
ARG EXTRA_CA_CERTS=""
RUN if [ -n "$EXTRA_CA_CERTS" ]; then printf '%s\n' "$EXTRA_CA_CERTS" > /tmp/extra-ca.pem; export NODE_EXTRA_CA_CERTS=/tmp/extra-ca.pem; fi && \
    npm install --ignore-scripts --no-audit --no-fund && rm -f /tmp/extra-ca.pem
COPY tsconfig.base.json ./
COPY tools/images/build-workspaces.js tools/images/
COPY libs libs
COPY services services
COPY apps apps
RUN node tools/images/build-workspaces.js

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app/node_modules node_modules
COPY --from=build /app/out/libs libs
COPY --from=build /app/out/services/${SERVICE} ./
LABEL org.opencontainers.image.title="geopulse-${SERVICE}" \
      org.opencontainers.image.licenses="Apache-2.0"
# The official image's unprivileged `node` user, by number so that Kubernetes' runAsNonRoot
# can verify it.
USER 1000:1000
CMD ["node", "service/dist/main.js"]
