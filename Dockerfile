# syncbot: the web service and its CLI, with the PostgreSQL driver.
# The default SQLite database is /data/syncbot.db; mount a volume on /data to keep it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Build from a throw-away copy of the sources: only the installed package stays.
WORKDIR /src
COPY pyproject.toml README.md ./
COPY syncbot ./syncbot
COPY connectors ./connectors
RUN pip install --no-cache-dir '.[postgres]' \
    && cd / && rm -rf /src

RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin syncbot \
    && mkdir -p /data \
    && chown syncbot:syncbot /data

WORKDIR /data
USER syncbot
VOLUME ["/data"]
EXPOSE 8000

# slim has no curl: ask /healthz with the standard library; an error status raises and fails.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["syncbot", "serve", "--host", "0.0.0.0", "--port", "8000"]
