from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = _("Catálogo")

    def ready(self):
        from core.search import engine
        from programs.models import Instrument

        from .index import CatalogueIndex

        # The instruments' index holds their facets and linked text (catalogue/index.py);
        # the admin's search and every page use the same one.
        engine.register(Instrument, CatalogueIndex.build)
