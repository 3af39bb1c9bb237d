# syncbot: the web service, the worker and the CLI, with the PostgreSQL driver.
#
# Two stages. `build` makes a wheel of syncbot and installs it, with the dependencies locked
# in requirements.lock (versions and hashes), into the virtualenv /opt/venv. The runtime
# stage copies only that virtualenv: no source, wheel, pip or build tool stays in the image.
# The default SQLite database is /data/syncbot.db; mount a volume on /data to keep it.
# docs/deploy.md covers compose, scaling out and building without a Docker daemon.

# The official python:3.11-slim-bookworm (Python 3.11.16), pinned by the digest of its
# multi-platform index as docker-library/repo-info records it
# (repos/python/remote/3.11-slim-bookworm.md). A tag moves; a digest does not.
ARG BASE_IMAGE=python:3.11-slim-bookworm@sha256:fe556eaffd0d96abd8685b83bb8a69addd0dc730fa193669a7df0d49ddcfac02

FROM ${BASE_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /src

# The dependencies first, so that this layer is reused until requirements.lock changes.
# --require-hashes refuses any file whose hash is not in the lock; --no-deps installs
# exactly the lock, and `pip check` below proves it is complete.
COPY requirements.lock ./
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock

COPY pyproject.toml README.md MANIFEST.in ./
COPY syncbot ./syncbot
COPY connectors ./connectors

# No build isolation: the build backend (setuptools) is the locked, hash-checked one in the
# venv, not whatever the index serves today. pip and setuptools then leave the venv: the
# runtime installs nothing.
RUN /opt/venv/bin/pip wheel --no-cache-dir --no-deps --no-build-isolation --wheel-dir /wheels . \
    && /opt/venv/bin/pip install --no-cache-dir --no-deps /wheels/syncbot-*.whl \
    && /opt/venv/bin/pip check \
    && /opt/venv/bin/pip uninstall --yes setuptools pip

FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH

RUN useradd --no-log-init --no-create-home --uid 10001 --user-group --home-dir /data \
        --shell /usr/sbin/nologin syncbot \
    && mkdir -p /data \
    && chown syncbot:syncbot /data

# Owned by root and read-only to the service's user.
COPY --from=build /opt/venv /opt/venv

WORKDIR /data
# Numeric, so that a runtime can prove it is not root (Kubernetes' runAsNonRoot).
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8000

# slim has no curl: ask /healthz with the standard library; an error status raises and fails.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["syncbot", "serve", "--host", "0.0.0.0", "--port", "8000"]
