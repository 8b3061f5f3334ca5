# The everynode image for operator mode (deploy/deployment.yaml runs `everynode controller`).
#   docker build -t <registry>/everynode:0.1.0 . && docker push <registry>/everynode:0.1.0
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
USER 65532:65532
ENTRYPOINT ["node", "/app/bin/everynode.js"]
