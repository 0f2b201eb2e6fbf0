# The standalone Queueboard, served by daphne (ASGI: pages, API and WebSockets).
#   docker build -t queueboard .
#   docker run -p 8000:8000 -e SECRET_KEY=... -e REDIS_URL=redis://redis:6379/0 \
#       -e ALLOWED_HOSTS=board.example.com -v queueboard-data:/data queueboard
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=board.settings \
    DATABASE_URL=sqlite:////data/queueboard.sqlite3 \
    STATIC_ROOT=/app/staticfiles

WORKDIR /app
COPY pyproject.toml README.md ./
COPY queues ./queues
RUN pip install ".[board]" "psycopg[binary]>=3.2"
COPY manage.py ./
COPY board ./board
COPY templates ./templates
COPY static ./static

RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput
RUN useradd --system --uid 10001 --home-dir /app queueboard \
    && mkdir -p /data && chown queueboard /data

USER queueboard
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"

CMD ["sh", "-c", "python manage.py migrate --noinput && exec daphne -b 0.0.0.0 -p 8000 board.asgi:application"]
