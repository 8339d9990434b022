"""The models core owns: the source documents, the content revision and the search
vocabulary. The abstract bases every record type builds on are in core.records and
core.search.searchable."""

from core.permalinks import OldSlug
from core.revision import ContentRevision
from core.search.vocabulary import SearchTerm, Synonym
from core.sources import Source

__all__ = ["ContentRevision", "OldSlug", "SearchTerm", "Source", "Synonym"]
