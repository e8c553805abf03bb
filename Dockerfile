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
# collectstatic needs settings but no running services: placeholders that are never used.
RUN DATABASE_URL=postgresql://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    SECRET_KEY=build-only ALLOWED_HOSTS=build \
    python manage.py collectstatic --noinput

USER crm
EXPOSE 8000
CMD ["gunicorn", "crm_site.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", \
     "--access-logfile", "-", "--forwarded-allow-ips", "*"]
