"""The crosswalk's rationales, read in both languages (core/bilingual.py). The objectives,
principles and SDG targets carry their two official wordings in columns of their own."""

from compact.models import ObjectiveLink
from core.bilingual import translatable

translatable(ObjectiveLink, "rationale")
