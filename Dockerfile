# Runestone: the LLM API gateway. docker build -t runestone . && docker run -p 4001:4001 -e OPENAI_API_KEY=... runestone
# The image runs the TypeScript sources through tsx, as `npm start` does (see the README's Docker section).

# Production dependencies only, installed from the lockfile.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim
# HOST: listen on every interface, as a container must (clients from outside it then need API keys).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4001
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# The spec is read at start-up (request validation, /openapi.yaml); generated/docs.html is served at /docs.
COPY package.json ./
COPY spec ./spec
COPY generated ./generated
COPY src ./src
# The official image's unprivileged user; it cannot write to /app.
USER node
EXPOSE 4001
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4001) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node directly, not npm, so that SIGTERM reaches the gateway (which drains and closes its connections).
CMD ["node", "--import", "tsx", "src/main.ts"]
