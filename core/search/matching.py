"""Matching and ranking: the one place that branches on the database vendor.

PostgreSQL matches with `to_tsquery` over each record's stored, weighted vector (kept by
a trigger, GIN-indexed) and ranks by `ts_rank`; SQLite matches the same terms with LIKE
and ranks by the heaviest column each concept matched. Both put an exact name or acronym
match first.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, TextField, Value, When
from django.db.models.functions import Concat


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


def _like_condition(column, concept):
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


def _padded(*columns):
    parts = [Value(" ")]
    for column in columns:
        parts += [column, Value(" ")]
    return Concat(*parts, output_field=TextField())


def _like(queryset, query):
    queryset = queryset.annotate(
        _search_a=_padded("search_a"),
        _search_b=_padded("search_b"),
        _search_c=_padded("search_c"),
        _search_all=_padded("search_a", "search_b", "search_c"),
    )
    rank = Value(0)
    for concept in query.concepts:
        queryset = queryset.filter(_like_condition("_search_all", concept))
        rank = rank + Case(
            When(_like_condition("_search_a", concept), then=Value(3)),
            When(_like_condition("_search_b", concept), then=Value(2)),
            default=Value(1),
            output_field=IntegerField(),
        )
    return queryset.annotate(search_rank=rank)
