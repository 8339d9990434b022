from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Búsqueda y revisiones")
    # The fixture files this app's records load from (see core/knowledge_base.py); the
    # source documents first, since every quote of every other record names one.
    fixtures = {"sources": ["core.source"], "synonyms": ["core.synonym"]}

    def ready(self):
        from .caching import watch_for_changes
        from .knowledge_base import content_models
        from .permalinks import keep_old_slugs
        from .records import keep_lf_line_endings

        watch_for_changes(content_models())
        keep_old_slugs(content_models())
        keep_lf_line_endings(content_models())
