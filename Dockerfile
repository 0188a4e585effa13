# syntax=docker/dockerfile:1

# Build stage: exactly what CI runs on a clean clone (scripts/setup.sh installs the Debian
# packages, runs npm ci, builds the native library and the TypeScript), so CI exercises
# what the image ships. The BPF object is built with CO-RE: bpftool reads the build host's
# /sys/kernel/btf/vmlinux, and the object then relocates itself on each node's kernel.
FROM node:20-bookworm AS build
WORKDIR /src
COPY . .
RUN bash scripts/setup.sh && npm prune --omit=dev

# Runtime stage: only what the agent loads, plus the shared libraries libflowlens.so links
# and iproute2 (the interface watcher asks `ip -d link` which interfaces are pod veths).
FROM node:20-bookworm-slim
RUN apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libbpf1 libelf1 zlib1g iproute2 \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules/ node_modules/
COPY --from=build /src/protos/ protos/
COPY --from=build /src/native/build/libflowlens.so native/build/
COPY --from=build /src/dist/src/ dist/src/
# Non-root by default (the image's `node` user). As this user the agent has no capabilities
# and says plainly that it cannot capture. Capture needs BPF, PERFMON, NET_ADMIN, NET_RAW
# (and SYS_RESOURCE on old kernels); the DaemonSet runs the container as uid 0 with exactly
# those and everything else dropped. Why not a non-root user with capabilities: Kubernetes
# has no ambient capabilities, so they would have to be file capabilities (setcap +ep) on
# the node binary, and then execve fails with EPERM wherever any one of them is withheld,
# so the agent could not even start to fall back to base mode.
USER 1000:1000
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["agent"]
