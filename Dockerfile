# certflow's processes (relay, workers, reconciler) for compose.yaml.
FROM node:20-bookworm-slim AS contracts
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-save --no-audit --no-fund

FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core fonts-dejavu-extra fonts-droid-fallback fonts-nanum fonts-noto-core fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
COPY --from=contracts /app/node_modules ./node_modules
RUN pip install --no-cache-dir --no-deps -e .
# Bold CJK faces converted to TrueType outlines (render/font_build.py), readable by nobody.
ENV XDG_CACHE_HOME=/app/.cache
RUN python -m render.font_build
USER nobody
ENTRYPOINT ["certflow"]
