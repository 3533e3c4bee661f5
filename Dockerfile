# One image for the API and the workers; docker-compose picks the command.
FROM node:24-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
ENV ONNXRUNTIME_NODE_INSTALL=skip
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080
# glibc returns allocations of 1 MB or more to the system when freed (platform/api/process-env.ts:
# password hashing's 16 MB scrypt buffers otherwise stay in each thread's arena and fragment them).
ENV MALLOC_MMAP_THRESHOLD_=1048576
EXPOSE 8080
# V8 flags of the API process: platform/api/process-env.ts (API_NODE_FLAGS).
CMD ["node", "--max-semi-space-size=16", "platform/api/server.ts"]
