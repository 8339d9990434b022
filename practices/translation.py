"""The text of areas and practices that is read in both languages (core/bilingual.py)."""

from core.bilingual import translatable
from practices.models import Practice, ThematicArea

translatable(ThematicArea, "title", "resolution_text")
translatable(Practice, "title", "summary", "body", "citation")
