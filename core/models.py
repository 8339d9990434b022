"""The models core owns: the content revision and the search vocabulary. The abstract
bases every record type builds on are in core.records and core.search.searchable."""

from core.permalinks import OldSlug
from core.revision import ContentRevision
from core.search.vocabulary import SearchTerm, Synonym

__all__ = ["ContentRevision", "OldSlug", "SearchTerm", "Synonym"]
