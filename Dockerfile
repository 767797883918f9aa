# syntax=docker/dockerfile:1
# Fixi's production image. The default command serves the web app with gunicorn; compose
# runs the Celery worker, beat and migrations from the same image with other commands.

# --- build: a virtualenv with the locked dependencies and the project -------------------
FROM python:3.13-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app

# Runtime dependencies first, in their own layer, so a code change does not reinstall
# them. The lock is a constraints file: it pins versions, it does not add the dev extras.
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep=chr(10))" > /tmp/runtime-requirements.txt \
 && pip install -c requirements.lock -r /tmp/runtime-requirements.txt

# The project itself, editable: settings find templates/, static/, locale/ and var/
# beside the packages (BASE_DIR), so the code must import from /app, not site-packages.
COPY . .
RUN pip install -c requirements.lock -e .

# --- runtime ----------------------------------------------------------------------------
FROM python:3.13-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH

RUN groupadd --system --gid 10001 fixi \
 && useradd --system --uid 10001 --gid fixi --create-home --home-dir /home/fixi \
    --shell /usr/sbin/nologin fixi

WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app

# Static files are collected at build time: with DEBUG off, ManifestStaticFilesStorage
# needs the manifest. Settings refuse to load without SECRET_KEY, so this one command gets
# a dummy; nothing is signed with it and it does not stay in the image's environment.
# The code stays root-owned; only var/ (static, media, the embedded broker) is the app's.
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput \
 && mkdir -p var/media var/broker \
 && chown -R fixi:fixi var

USER fixi
EXPOSE 8000

# python, not curl: the slim image has no curl. The script sends a Host from ALLOWED_HOSTS.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/app/scripts/healthcheck.py"]

# sh -c to read the concurrency from the environment: an empty WEB_CONCURRENCY would crash
# gunicorn, which reads it itself. exec keeps gunicorn as PID 1 so it gets SIGTERM and
# shuts down gracefully.
CMD ["sh", "-c", "export WEB_CONCURRENCY=\"${WEB_CONCURRENCY:-2}\"; exec gunicorn fixi.wsgi --bind 0.0.0.0:8000 --workers \"$WEB_CONCURRENCY\" --threads \"${GUNICORN_THREADS:-4}\" --access-logfile - --error-logfile -"]
