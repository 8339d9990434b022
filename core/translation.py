"""The source document's description, read in both languages (core/bilingual.py)."""

from core.bilingual import translatable
from core.sources import Source

translatable(Source, "title", "issuer", "note")
