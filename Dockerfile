# Switchboard on the official Node.js image: built in one stage, run as the unprivileged "node" user
# in a second stage that holds only the runtime and its production dependencies.
#   docker build -t switchboard .
#   docker run -d --name switchboard -p 127.0.0.1:1883:1883 -p 127.0.0.1:9883:9883 \
#     -e SWITCHBOARD_BROKER_USERNAME=me -e SWITCHBOARD_BROKER_PASSWORD=secret \
#     -v switchboard-state:/var/lib/switchboard switchboard
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    SWITCHBOARD_STATE_DIR=/var/lib/switchboard \
    SWITCHBOARD_BROKER_HOST=0.0.0.0 \
    SWITCHBOARD_HTTP_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /src/package.json /src/LICENSE /src/runtime.config.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist/core dist/core
COPY --from=build /src/dist/cli dist/cli
COPY --from=build /src/dist/plugins dist/plugins
COPY --from=build /src/schemas schemas
# The status page's files, served as they are.
COPY --from=build /src/plugins/status-page/public plugins/status-page/public
RUN mkdir -p /var/lib/switchboard && chown node:node /var/lib/switchboard
USER node
# State (snapshot, commit log, lock) survives the container on this volume.
VOLUME ["/var/lib/switchboard"]
EXPOSE 1883 9883
# The image has no curl; node asks /healthz itself (200 when every connection and plugin is up).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9883/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Replace the configuration with a bind mount: -v ./runtime.config.json:/app/runtime.config.json:ro
CMD ["node", "dist/cli/switchboard.js", "start", "--config", "/app/runtime.config.json"]
