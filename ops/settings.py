"""Settings for operations: the product's own settings, plus the `ops` app (its commands:
generate_corpus, bench, loadtest, export_datasette, backup, restore) and the bench's
floor view. The product never imports `ops`; the Makefile's operations targets run
with DJANGO_SETTINGS_MODULE=ops.settings."""

from config.settings import *  # noqa: F403 - this module extends the product's settings
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "ops"]
ROOT_URLCONF = "ops.urls"
