from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompactConfig(AppConfig):
    name = "compact"
    verbose_name = _("Pacto Mundial para la Migración y ODS")
    # The fixture files this app's records load from, in order (see core/knowledge_base.py):
    # the official vocabularies, then the editorial crosswalk to practices and instruments.
    fixtures = {
        "compact_vocabularies": [
            "compact.objective",
            "compact.guidingprinciple",
            "compact.sdgtarget",
        ],
        "compact_crosswalk": ["compact.objectivelink"],
    }
