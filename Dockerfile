# Production image for Cloud Run: the service only; no embedded database, no demo data.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv
# The runtime part of the lock (universal, so it holds Python 3.12's wheels too): exact versions,
# every file checked against its hash, and nothing the file does not list. A layer of its own, so
# that a change to the code alone does not reinstall the dependencies.
COPY requirements/runtime.txt ./requirements/
RUN pip install --require-hashes --no-deps -r requirements/runtime.txt
COPY pyproject.toml README.md ./
COPY backend ./backend
COPY alembic-free-schema-fixtures ./alembic-free-schema-fixtures
# The project itself, its dependencies being installed above.
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --no-create-home analytics

USER analytics
# Cloud Run sets $PORT; 8080 is its default.
ENV PORT=8080
EXPOSE 8080
CMD ["sh", "-c", "exec uvicorn backend.app.main:app --host 0.0.0.0 --port ${PORT} --proxy-headers --forwarded-allow-ips='*' --no-server-header"]
