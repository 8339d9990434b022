from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    name = "practices"
    verbose_name = _("Áreas temáticas y buenas prácticas")
    # The fixture files this app's records load from, in order (see core/knowledge_base.py).
    fixtures = {
        "thematic_areas": ["practices.thematicarea"],
        "practices": ["practices.practice"],
    }
