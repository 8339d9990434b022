from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    name = "practices"
    verbose_name = _("Áreas temáticas y buenas prácticas")

    def ready(self):
        from programs.caching import watch_for_changes

        from .knowledge_base import content_models

        watch_for_changes(content_models())
