"""The search indexes of the knowledge base as it is now.

A `Snapshot` holds, for one revision of the knowledge base (core/revision.py), the
Lexicon and one index per searchable model, each built the first time it is asked for.
Every request of this process shares the current snapshot; the next revision gets a new
one, built while the old one still answers requests that began before it (one thread
builds, the others of this process wait for it rather than build the same thing).

An app may register how an index of one of its models is built (the catalogue builds the
instruments' with their facets and linked text); any other searchable model gets a plain
index of its own analyzed columns.
"""

import threading
from contextvars import ContextVar

from django.apps import apps
from django.conf import settings
from django.utils import timezone
from django.utils.translation import override

from core.revision import ContentRevision

from .analyzer import acronym_term
from .index import Document, TextIndex
from .vocabulary import Lexicon

# The revision a request was answered from, set by the page cache so that the index and
# the page agree on it without asking the database twice; and whether the request was
# answered from an earlier snapshot while the current one was being built.
request_revision = ContextVar("request_revision", default=None)
served_stale = ContextVar("served_stale", default=False)

_builders = {}
_lock = threading.Lock()
_current = None


def register(model, builder):
    """Build `model`'s index with `builder(snapshot)`, which returns a TextIndex or an
    object with the TextIndex in its `text` attribute."""
    _builders[model._meta.label] = builder


def searchable_models():
    return [model for model in apps.get_models() if hasattr(model, "search_document")]


class Snapshot:
    """The indexes and the lexicon of one revision. Built from the records' original
    (Spanish) text whatever the language of the request that builds them, since every
    reader shares them: their labels in two languages are worked out when shown."""

    def __init__(self, tag):
        self.tag = tag
        with override(settings.LANGUAGE_CODE):
            self.lexicon = Lexicon.load(acronyms_of_every_record())
        self._indexes = {}
        self._building = threading.Lock()

    def index(self, model):
        """`model`'s index: built by its registered builder, or a plain TextIndex."""
        label = model._meta.label
        if label not in self._indexes:
            with self._building, override(settings.LANGUAGE_CODE):
                if label not in self._indexes:
                    builder = _builders.get(label, plain_index(model))
                    self._indexes[label] = builder(self)
        return self._indexes[label]

    def text_index(self, model):
        index = self.index(model)
        return getattr(index, "text", index)

    def warm(self):
        """Build every searchable model's index now; return the snapshot."""
        for model in searchable_models():
            self.index(model)
        return self


def plain_index(model):
    def build(_snapshot):
        return TextIndex(documents(model.objects.order_by("pk")))

    return build


def documents(queryset, linked=None):
    """The Documents of `queryset`'s searchable records; `linked` may give a record's
    linked text by pk (otherwise empty)."""
    acronym = any(field.name == "acronym" for field in queryset.model._meta.fields)
    columns = ["pk", "search_a", "search_b", "search_c", "search_key"]
    for row in queryset.values_list(*columns, *(["acronym"] if acronym else [])):
        pk, heading, summary, body, key = row[:5]
        yield Document(
            pk=pk,
            fields=(heading, summary, body, (linked or {}).get(pk, ""), ""),
            key=key,
            acronym=acronym_term(row[5]) if acronym else "",
            sort_name=key,
        )


def acronyms_of_every_record():
    """(acronym, name) of every searchable record that has an acronym."""
    pairs = []
    for model in searchable_models():
        if any(field.name == "acronym" for field in model._meta.fields):
            pairs += model.objects.exclude(acronym="").values_list("acronym", "name")
    return pairs


def current_tag():
    """The revision the indexes must reflect, and the day: a status that follows the
    date changes at midnight."""
    revision = request_revision.get() or ContentRevision.objects.current()
    return f"{revision.tag}-{timezone.localdate():%Y%m%d}"


def snapshot():
    """The snapshot of the knowledge base as it is now. After a change, one request of
    the process builds the next snapshot, whole, before it replaces the current one;
    meanwhile the others are answered from the current one, and say so (`served_stale`),
    so that what they render is neither cached nor given a validator."""
    global _current
    tag = current_tag()
    found = _current
    if found is not None and found.tag == tag:
        return found
    if found is not None and _lock.locked():
        served_stale.set(True)
        return found
    with _lock:
        if _current is None or _current.tag != tag:
            _current = Snapshot(tag).warm()
        return _current


def forget():
    """Drop the current snapshot: the next search builds one from the data as it is (a
    change made behind the revision's back, as tests do with queryset.update(), is
    otherwise not seen until the next revision)."""
    global _current
    _current = None


def warm():
    """The current snapshot, with every index built: gunicorn's master process calls this
    before it forks its workers, which then share it."""
    return snapshot()
