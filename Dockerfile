# Production image for Cloud Run: the service only; no embedded database, no demo data.

# The project as a wheel, its C extensions compiled (pain points' scanner and text keys): the
# compiler stays in this stage, out of the image that runs.
FROM python:3.12-slim AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY backend ./backend
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

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
COPY alembic-free-schema-fixtures ./alembic-free-schema-fixtures
# The project itself, from the wheel built above (its dependencies being installed already);
# no source tree lies beside it, so `backend` is always the installed package, scanner included.
COPY --from=build /wheels /wheels
RUN pip install --no-deps /wheels/*.whl \
    && rm -rf /wheels \
    && useradd --system --uid 10001 --no-create-home analytics

USER analytics
# Cloud Run sets $PORT; 8080 is its default.
ENV PORT=8080
EXPOSE 8080
CMD ["sh", "-c", "exec uvicorn backend.app.main:app --host 0.0.0.0 --port ${PORT} --proxy-headers --forwarded-allow-ips='*' --no-server-header"]
