# Podium as a container: the bot alone (`pip install '.[metrics]'`), run as a non-root user, its database on a
# volume, /healthz for the orchestrator. Build: docker build -t podium . ; run: see compose.yaml.
FROM python:3.11-slim

RUN useradd --create-home --uid 10001 podium && mkdir /data && chown podium /data

WORKDIR /src
COPY setup.cfg pyproject.toml README.md LICENSE ./
COPY bot bot
COPY cogs cogs
COPY data/cues data/cues
RUN pip install --no-cache-dir '.[metrics]' && rm -rf /src

USER podium
WORKDIR /home/podium
ENV PODIUM_DB=/data/podium.db \
    PODIUM_LOG_FORMAT=json \
    PODIUM_METRICS_PORT=9100 \
    PODIUM_METRICS_HOST=0.0.0.0 \
    PYTHONUNBUFFERED=1
VOLUME /data
EXPOSE 9100

# Healthy once connected to Discord with its timers rebuilt (200); 503 while starting or stopping.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9100/healthz', timeout=4)"]

# docker stop sends SIGTERM: Podium saves its state and exits within 2 s.
CMD ["podium", "run"]
