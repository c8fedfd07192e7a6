"""Settings for the example: everything environment-specific comes from the task definition.

DEBUG and ALLOWED_HOSTS are plain environment variables (see task-definition-staging.json);
SECRET_KEY and database credentials belong in the task definition's "secrets" (valueFrom),
never in "environment".
"""
import os

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-example-key-for-local-runs-only")
DEBUG = os.environ.get("DEBUG", "0") == "1"
# "*.elb.amazonaws.com,staging.grape-app.jp": a leading "*." becomes Django's ".domain" form
ALLOWED_HOSTS = [
    ("." + h[2:]) if h.startswith("*.") else h
    for h in os.environ.get("ALLOWED_HOSTS", "localhost").split(",")
    if h
]
ROOT_URLCONF = "mysite.urls"
WSGI_APPLICATION = "mysite.wsgi.application"
INSTALLED_APPS = ["django.contrib.contenttypes"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SQLITE_PATH", "/tmp/db.sqlite3"),
    }
}
USE_TZ = True
LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}
