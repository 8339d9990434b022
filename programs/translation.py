"""The text of instruments and of what they link to that is read in both languages
(core/bilingual.py). Quotes of the source (`source_quote`, `status_quote`) stay in Spanish."""

from core.bilingual import translatable
from programs.models import Institution, Instrument, KeyFigure, Participation, Place, TargetGroup

translatable(Instrument, "name", "summary", "description", "citation")
translatable(KeyFigure, "unit", "measure")
translatable(Participation, "citation")
translatable(Institution, "name", "description", "citation")
translatable(TargetGroup, "name", "description", "citation")
translatable(Place, "name", "citation")
