"""Spanish-aware search, with the same matching rules on SQLite and PostgreSQL.

One analyzer turns text into terms: casefold, strip accents ("niños" → "ninos"), drop
stop words, Spanish Snowball stems ("ninos", "ninas" → "nin"). A record is analyzed
when it is saved, into three weighted columns:

    search_a  name and acronym       (weight A, the heaviest)
    search_b  summary                 (weight B)
    search_c  description or body     (weight C)

A query is analyzed the same way; each of its words becomes a *concept*: the word
itself (as a prefix, so "migra" finds "migración"), its synonyms (the editors' list,
and every acronym with the name it stands for, both ways), and, for a word of five or
more letters the index does not know, the indexed words one typo away. A record
matches when it matches every concept; a quoted phrase must appear as a phrase.

The one vendor branch: PostgreSQL matches with `to_tsvector('simple', …) @@
to_tsquery(…)` over the analyzed columns, through a GIN index, and ranks by `ts_rank`;
SQLite matches the same terms with LIKE and ranks by the heaviest column each concept
matched. Both put an exact name or acronym match first. Typo candidates come from the
`SearchTerm` vocabulary table on both databases, so the same query widens the same way.
"""

import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, TextField, Value, When
from django.db.models.functions import Concat
from django.utils.html import escape
from django.utils.safestring import mark_safe

# The models are imported inside the functions that need them: programs.models imports
# this module to analyze records as they are saved.

MAX_QUERY_WORDS = 12
TYPO_MIN_LENGTH = 5
PREFIX_MIN_LENGTH = 4

STOP_WORDS = frozenset(
    [
        "a",
        "al",
        "ante",
        "con",
        "contra",
        "de",
        "del",
        "desde",
        "e",
        "el",
        "en",
        "entre",
        "hacia",
        "hasta",
        "la",
        "las",
        "le",
        "les",
        "lo",
        "los",
        "o",
        "para",
        "por",
        "que",
        "se",
        "sin",
        "sobre",
        "su",
        "sus",
        "u",
        "un",
        "una",
        "unas",
        "unos",
        "y",
        "ya",
        "como",
        "mas",
        "pero",
        "sus",
        "the",
        "of",
        "and",
        "for",
        "to",
        "in",
        "on",
    ]
)

_stemmer = snowballstemmer.stemmer("spanish")
_WORD = re.compile(r"[a-z0-9]+")
_TOKEN = re.compile(r"\w+|\W+")


def normalize(text):
    """Casefolded, without accents or diacritics: "Niños" → "ninos"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=50_000)
def stem(word):
    """The Spanish stem of a normalized word; numbers and short words stay whole."""
    if len(word) <= 3 or not word.isalpha():
        return word
    return _stemmer.stemWord(word)


def words(text):
    """The normalized words of `text`, stop words left out."""
    return [word for word in _WORD.findall(normalize(text)) if word not in STOP_WORDS]


def analyze(text):
    """The terms of `text`, space-separated, as stored and matched."""
    return " ".join(stem(word) for word in words(text))


# Queries ---------------------------------------------------------------------


@dataclass
class Concept:
    """One thing the query asks for: any of its alternatives will do."""

    phrases: set = field(default_factory=set)  # tuples of terms, matched as phrases
    prefixes: set = field(default_factory=set)  # single terms matched as prefixes
    bags: set = field(default_factory=set)  # tuples of terms, all present in any order


@dataclass
class Query:
    text: str
    concepts: list = field(default_factory=list)
    exact_key: str = ""  # the whole query, normalized, to find an exact name
    # Indexed words near the query's, for typo tolerance and "did you mean": (the word
    # normalized, its stem, as written).
    vocabulary: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.concepts)

    @property
    def terms(self):
        """Every term a match may show, for highlighting."""
        found = set()
        for concept in self.concepts:
            for phrase in concept.phrases:
                found.update(phrase)
            found.update(concept.prefixes)
            for bag in concept.bags:
                found.update(bag)
        return found


def synonym_groups(query_words, text):
    """Groups of equivalent phrases, each phrase a tuple of terms: the editors' synonyms,
    and each acronym with the name it stands for, for the acronyms and names the query
    uses (so the cost does not grow with the number of records)."""
    from .models import Institution, Instrument, Synonym, TargetGroup

    asked = Q(acronym__iexact=text) | Q(search_key=normalize(text))
    for word in query_words:
        asked |= Q(acronym__iexact=word)
    # One query: the editors' synonyms (their terms, no acronym) and the acronyms asked.
    synonyms = Synonym.objects.annotate(acronym=Value("")).values_list("acronym", "terms")
    rows = synonyms.order_by().union(
        *(
            model.objects.filter(asked)
            .exclude(acronym="")
            .values_list("acronym", "name")
            .order_by()
            for model in (Instrument, Institution, TargetGroup)
        ),
        all=True,
    )
    groups = []
    for acronym, text_ in rows:
        if acronym:
            groups.append([tuple(analyze(acronym).split()), tuple(analyze(text_).split())])
        else:
            groups.append(Synonym(terms=text_).phrases())
    return [[phrase for phrase in group if phrase] for group in groups]


def nearby_vocabulary(terms, query_words):
    """The indexed words that are one of `terms`, or long enough to be a typo or a
    correction of one of `query_words`: one query for both uses."""
    from .models import SearchTerm

    lengths = {
        length
        for word in query_words
        if len(word) >= 3
        for length in range(len(word) - 2, len(word) + 3)
    }
    return list(
        SearchTerm.objects.filter(Q(stem__in=terms) | Q(length__in=lengths)).values_list(
            "word", "stem", "display"
        )
    )


def known_terms(terms, vocabulary):
    """Which of `terms` the index holds."""
    return {stem for _word, stem, _display in vocabulary if stem in terms}


def one_typo_away(word, candidates):
    return [other for other in candidates if edit_distance(word, other) <= 1]


def edit_distance(first, second, limit=2):
    """Optimal string alignment distance (a swap of two letters counts as one typo),
    stopping early once it exceeds `limit`."""
    if abs(len(first) - len(second)) > limit:
        return limit + 1
    previous2, previous = None, list(range(len(second) + 1))
    for i, a in enumerate(first, 1):
        current = [i]
        for j, b in enumerate(second, 1):
            cost = 0 if a == b else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a == second[j - 2] and first[i - 2] == b:
                value = min(value, previous2[j - 2] + 1)
            current.append(value)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def typo_candidates(words_, vocabulary):
    """Indexed words one typo away from each unknown word of five letters or more."""
    long_words = [word for word in words_ if len(word) >= TYPO_MIN_LENGTH]
    by_word = {word: stem for word, stem, _display in vocabulary}
    return {word: {by_word[other] for other in one_typo_away(word, by_word)} for word in long_words}


def parse(text):
    """The query `text` as concepts. Quoted text is one phrase; the rest, word by word,
    with synonyms matched longest first."""
    text = (text or "").strip()
    query = Query(text=text, exact_key=normalize(text))
    quoted = re.findall(r'"([^"]+)"', text)
    loose = words(re.sub(r'"[^"]*"', " ", text))[:MAX_QUERY_WORDS]
    for phrase in quoted:
        terms = tuple(analyze(phrase).split())
        if terms:
            query.concepts.append(Concept(phrases={terms}))
    every_word = words(text)[:MAX_QUERY_WORDS]
    if every_word:
        query.vocabulary = nearby_vocabulary([stem(word) for word in every_word], every_word)
    if not loose:
        return query

    groups = synonym_groups(loose, text)
    terms = [stem(word) for word in loose]
    known = known_terms(terms, query.vocabulary)
    typos = typo_candidates(
        [word for word, term in zip(loose, terms, strict=True) if term not in known],
        query.vocabulary,
    )
    position = 0
    while position < len(terms):
        concept, used = _synonym_concept(terms, position, groups)
        if concept is None:
            word, term = loose[position], terms[position]
            concept = Concept(phrases={(term,)})
            if len(term) >= PREFIX_MIN_LENGTH:
                concept.prefixes.add(term)
            for group in groups:
                if (term,) in group:
                    concept.phrases.update(group)
            for typo in typos.get(word, ()):
                concept.phrases.add((typo,))
                for group in groups:
                    if (typo,) in group:
                        concept.phrases.update(group)
            used = 1
        query.concepts.append(concept)
        position += used
    return query


def _synonym_concept(terms, position, groups):
    """The concept of the longest multi-word synonym phrase that starts at `position`."""
    best = None
    for group in groups:
        for phrase in group:
            starts_here = tuple(terms[position : position + len(phrase)]) == phrase
            longer = best is None or len(phrase) > len(best[1])
            if len(phrase) > 1 and starts_here and longer:
                best = (group, phrase)
    if best is None:
        return None, 0
    group, phrase = best
    # The words typed also count when they are apart ("trabajadores del sector agrícola").
    return Concept(phrases=set(group), bags={phrase}), len(phrase)


# Matching and ranking ---------------------------------------------------------


def search(queryset, query):
    """`queryset` narrowed to what matches `query`, annotated with `search_exact` (1 for an
    exact name or acronym) and `search_rank` (higher is better)."""
    if not query:
        return queryset
    exact_match = Q(search_key=query.exact_key)
    if any(field.name == "acronym" for field in queryset.model._meta.fields):
        exact_match |= Q(acronym__iexact=query.text)
    exact = Case(When(exact_match, then=Value(1)), default=Value(0), output_field=IntegerField())
    if connection.vendor == "postgresql":
        return _postgresql(queryset, query).annotate(search_exact=exact)
    return _like(queryset, query).annotate(search_exact=exact)


def ranked(queryset):
    return queryset.order_by("-search_exact", "-search_rank", *queryset.model._meta.ordering)


def document_vector():
    """The weighted vector of a record's analyzed text, as VECTOR_FUNCTION stores it (and
    as the first migrations indexed it)."""
    return (
        SearchVector("search_a", weight="A", config="simple")
        + SearchVector("search_b", weight="B", config="simple")
        + SearchVector("search_c", weight="C", config="simple")
    )


def _tsquery(query):
    def alternative(phrase):
        return " <-> ".join(phrase)

    clauses = []
    for concept in query.concepts:
        options = [alternative(phrase) for phrase in concept.phrases]
        options += [f"{term}:*" for term in concept.prefixes]
        options += ["(" + " & ".join(bag) + ")" for bag in concept.bags]
        clauses.append("(" + " | ".join(sorted(options)) + ")")
    return " & ".join(clauses)


def _postgresql(queryset, query):
    tsquery = SearchQuery(_tsquery(query), search_type="raw", config="simple")
    return queryset.filter(search_vector=tsquery).annotate(
        search_rank=SearchRank(F("search_vector"), tsquery)
    )


def _like(queryset, query):
    def matches(column, concept):
        condition = Q()
        for phrase in concept.phrases:
            condition |= Q(**{f"{column}__contains": " " + " ".join(phrase) + " "})
        for term in concept.prefixes:
            condition |= Q(**{f"{column}__contains": " " + term})
        for bag in concept.bags:
            every = Q()
            for term in bag:
                every &= Q(**{f"{column}__contains": " " + term + " "})
            condition |= every
        return condition

    def padded(*columns):
        parts = [Value(" ")]
        for column in columns:
            parts += [column, Value(" ")]
        return Concat(*parts, output_field=TextField())

    queryset = queryset.annotate(
        _search_a=padded("search_a"),
        _search_b=padded("search_b"),
        _search_c=padded("search_c"),
        _search_all=padded("search_a", "search_b", "search_c"),
    )
    rank = Value(0)
    for concept in query.concepts:
        queryset = queryset.filter(matches("_search_all", concept))
        rank = rank + Case(
            When(matches("_search_a", concept), then=Value(3)),
            When(matches("_search_b", concept), then=Value(2)),
            default=Value(1),
            output_field=IntegerField(),
        )
    return queryset.annotate(search_rank=rank)


# Suggestions and highlighting ----------------------------------------------------


def suggestion(query):
    """A corrected query ("¿Quiso decir …?") from the indexed words closest to each word
    the index does not know, or "" when there is nothing to correct."""
    original = words(query.text)
    terms = [stem(word) for word in original]
    known = known_terms(terms, query.vocabulary)
    corrected, changed = [], False
    for word, term in zip(original, terms, strict=True):
        if term in known or len(word) < 3:
            corrected.append(word)
            continue
        lengths = range(len(word) - 2, len(word) + 3)
        close = sorted(
            (edit_distance(word, other), other, display)
            for other, _stem, display in query.vocabulary
            if len(other) in lengths
        )
        if close and close[0][0] <= 2:
            corrected.append(close[0][2])
            changed = True
        else:
            corrected.append(word)
    return " ".join(corrected) if changed else ""


def highlight(text, terms):
    """`text` escaped, with the words whose terms are in `terms` (or start with one of
    them) wrapped in <mark>."""
    if not terms:
        return escape(text)
    out = []
    for token in _TOKEN.findall(text):
        term = stem(normalize(token)) if token[0].isalnum() else None
        if term and any(
            term == t or (len(t) >= PREFIX_MIN_LENGTH and term.startswith(t)) for t in terms
        ):
            out.append(f"<mark>{escape(token)}</mark>")
        else:
            out.append(escape(token))
    return mark_safe("".join(out))


def snippet(text, terms, width=220):
    """The sentence of `text` with the most matches, trimmed to about `width` characters,
    highlighted."""
    sentences = re.split(r"(?<=[.;:])\s+|\n+", text)
    best = max(
        sentences,
        key=lambda sentence: sum(1 for word in words(sentence) if stem(word) in terms),
        default="",
    )
    if len(best) > width:
        best = best[:width].rsplit(" ", 1)[0] + "…"
    return highlight(best, terms)


# The GIN indexes on the stored vectors: (table, index name).
SEARCH_INDEXES = [
    ("programs_instrument", "programs_instrument_search_vector"),
    ("practices_practice", "practices_practice_search_vector"),
]

# On PostgreSQL each searchable table stores its document_vector() in `search_vector`,
# kept current by this trigger function, so ranking reads a stored vector instead of
# analyzing every matching record's text again.
VECTOR_FUNCTION = """
CREATE OR REPLACE FUNCTION search_vector_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector :=
        setweight(to_tsvector('simple', coalesce(NEW.search_a, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(NEW.search_b, '')), 'B')
        || setweight(to_tsvector('simple', coalesce(NEW.search_c, '')), 'C');
    RETURN NEW;
END $$
"""


def create_search_index(editor, table, name):
    editor.execute(f"CREATE INDEX {name} ON {table} USING gin (search_vector)")


@contextmanager
def search_indexes_suspended():
    """Drop the GIN indexes for a bulk load and build them again after it: building an
    index once is many times faster than updating it row by row."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.schema_editor() as editor:
        for _table, name in SEARCH_INDEXES:
            editor.execute(f"DROP INDEX {name}")
    yield
    # PostgreSQL will not index a table with foreign-key checks still deferred.
    connection.check_constraints()
    with connection.schema_editor() as editor:
        for table, name in SEARCH_INDEXES:
            create_search_index(editor, table, name)


def stored_vector_operation(models, indexes=()):
    """A migration operation that, on PostgreSQL, keeps the `search_vector` column of
    `models` ((app label, model name) pairs) current with a trigger and fills it, and moves
    the GIN indexes `indexes` ((app label, model name, old name, new name)) from the
    expression to the column. SQLite leaves the column empty: it matches with LIKE."""
    from django.contrib.postgres.indexes import GinIndex
    from django.db import migrations

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(VECTOR_FUNCTION)
        for app_label, model_name in models:
            table = apps.get_model(app_label, model_name)._meta.db_table
            schema_editor.execute(
                f"CREATE TRIGGER {table}_search_vector BEFORE INSERT OR UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION search_vector_refresh()"
            )
            schema_editor.execute(f"UPDATE {table} SET search_a = search_a")
        for app_label, model_name, old, new in indexes:
            model = apps.get_model(app_label, model_name)
            schema_editor.remove_index(model, GinIndex(document_vector(), name=old))
            create_search_index(schema_editor, model._meta.db_table, new)

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for app_label, model_name, old, new in indexes:
            model = apps.get_model(app_label, model_name)
            schema_editor.execute(f"DROP INDEX {new}")
            schema_editor.add_index(model, GinIndex(document_vector(), name=old))
        for app_label, model_name in models:
            table = apps.get_model(app_label, model_name)._meta.db_table
            schema_editor.execute(f"DROP TRIGGER {table}_search_vector ON {table}")
        # Every operation creates the shared function (CREATE OR REPLACE); the reverse of
        # the first one applied, undone last, finds no trigger left using it and drops it.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_trigger JOIN pg_proc ON pg_proc.oid = pg_trigger.tgfoid "
                "WHERE pg_proc.proname = 'search_vector_refresh'"
            )
            in_use = cursor.fetchone() is not None
        if not in_use:
            schema_editor.execute("DROP FUNCTION IF EXISTS search_vector_refresh()")

    return migrations.RunPython(forward, backward)


def index_operation(app_label, model_name, index_name):
    """A migration operation creating the GIN index of `document_vector()` on PostgreSQL
    (SQLite matches the same columns with LIKE and needs none)."""
    from django.contrib.postgres.indexes import GinIndex
    from django.db import migrations

    def index(apps):
        return apps.get_model(app_label, model_name), GinIndex(document_vector(), name=index_name)

    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.add_index(*index(apps))

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.remove_index(*index(apps))

    return migrations.RunPython(create, drop)
