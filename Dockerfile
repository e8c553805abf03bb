# Production image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DEBUG=0

WORKDIR /app
RUN useradd --system --create-home --home-dir /home/crm crm

COPY . .
RUN pip install .
# collectstatic needs production settings but no running services and no secrets: build-only
# placeholders for every variable those settings require, never used by the running image
# (docker compose gives it the real ones). tests/platform/test_image_build.py replays this file.
RUN DATABASE_URL=postgresql://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    SECRET_KEY=build-only ALLOWED_HOSTS=build \
    FIELD_ENCRYPTION_KEYS=build-only FIELD_HASH_KEY=build-only \
    python manage.py collectstatic --noinput

USER crm
EXPOSE 8000
CMD ["gunicorn", "crm_site.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", \
     "--access-logfile", "-", "--forwarded-allow-ips", "*"]
