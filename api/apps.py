from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The read API (/api/v1/): the knowledge base's records as JSON, the catalogue's
    filters and search included, with an OpenAPI schema and a page that documents it."""

    name = "api"
    verbose_name = _("API de lectura")
