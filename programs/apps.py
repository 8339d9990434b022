from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = _("Programas e instrumentos")
    # The fixture files this app's records load from, in order (see core/knowledge_base.py).
    fixtures = {
        "places": ["programs.place"],
        "institutions": ["programs.institution"],
        "target_groups": ["programs.targetgroup"],
        "instruments": ["programs.instrument", "programs.participation", "programs.keyfigure"],
    }
