"""The pages `make bench` measures, and Datasette's equivalent of each, built from the
bench's database.

`PAGES` is the list to extend: each `Page` names its URL on our site and, when Datasette
has a comparable page, Datasette's; both are functions of the `Facts` read from the
corpus (the area, the group, the rare word, the crafted URL...). `budget_ms` is the
cold p95 the issue holds the page to (None: no latency target of that kind).
"""

import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse, translate_url

from catalogue.filters import MAX_VALUES
from catalogue.sitemaps import SITEMAPS
from compact.models import Objective
from core.pagination import PAGE_SIZE
from core.search.analyzer import words
from core.search.query import MAX_QUERY_WORDS
from ops.management.commands.generate_corpus import (
    ACTIONS,
    COUNTRIES,
    INSTITUTION_NAMES,
    PEOPLE,
    SYNTHETIC_SLUG,
)
from ops.management.commands.generate_corpus import Command as GenerateCorpus
from practices.models import Practice, ThematicArea
from programs.models import Institution, Instrument, InstrumentKind, Place, Status, TargetGroup

# Cold p95 budgets (issue 19), in ms.
CATALOGUE_MS = 150
LIGHT_MS = 60
INSTRUMENT_MS = 25
CRAFTED = "crafted"
CATALOGUE = "/instrumentos/"
DEEP_PAGE = 500
# A rare word matches at most this many instruments.
RARE_RESULTS = 10
RARE_CANDIDATES = 25
# The crafted URL's length, within gunicorn's limit on the request line ("GET <url>
# HTTP/1.1"): beyond it gunicorn itself refuses the request and Django never sees it.
CRAFTED_BYTES = 4000
REQUEST_LINE_OVERHEAD = len("GET  HTTP/1.1\r\n")

DATASETTE_TABLE = "/catalogue/instruments?"
DATASETTE_FACETS = [
    ("_facet", "kind"),
    ("_facet_array", "areas"),
    ("_facet_array", "groups"),
    ("_facet_array", "places"),
    ("_facet_array", "institutions"),
    ("_facet", "status"),
]
# An area page counts its instruments by kind and by target group.
AREA_FACETS = [("_facet", "kind"), ("_facet_array", "groups")]


def datasette(*params, facets=DATASETTE_FACETS):
    return DATASETTE_TABLE + urlencode([*params, *facets])


def catalogue(**params):
    return f"{CATALOGUE}?{urlencode(params)}" if params else CATALOGUE


@dataclass
class Facts:
    """What the pages' URLs are made of, read from the bench's database."""

    area_url: str
    group_slug: str
    group_url: str
    group_subgroups: int
    deep_page: int
    deep_after: int  # Datasette pages by key: the last id of the page before
    instrument_url: str
    instrument_pk: int
    rare_word: str = ""
    rare_results: int | None = None
    crafted_url: str = ""
    crafted: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    key: str
    label: str  # may name Facts' fields: "Page {deep_page}"
    budget_ms: int | None
    ours: Callable[[Facts], str]
    datasette: Callable[[Facts], str | None] = lambda facts: None
    expect: tuple = (200,)


PAGES = [
    Page("home", "Home", LIGHT_MS, lambda f: "/", lambda f: "/catalogue"),
    Page(
        "area",
        "Area 2",
        LIGHT_MS,
        lambda f: f.area_url,
        lambda f: datasette(("areas__arraycontains", "2"), facets=AREA_FACETS),
    ),
    Page(
        "group",
        "Group «{group_slug}»",
        LIGHT_MS,
        lambda f: f.group_url,
        lambda f: datasette(("groups__arraycontains", f.group_slug)),
    ),
    Page("catalogue", "Catalogue", CATALOGUE_MS, lambda f: CATALOGUE, lambda f: datasette()),
    Page(
        "filtered",
        "Catalogue, 2 filters",
        CATALOGUE_MS,
        lambda f: catalogue(grupo="mujeres", tipo="programa"),
        lambda f: datasette(("groups__arraycontains", "mujeres"), ("kind", "programa")),
    ),
    Page(
        "search",
        "Search, common words",
        CATALOGUE_MS,
        lambda f: catalogue(q="trabajadores agricolas"),
        lambda f: datasette(("_search", "trabajadores agricolas")),
    ),
    Page(
        "search_rare",
        "Search, rare word «{rare_word}»",
        CATALOGUE_MS,
        lambda f: catalogue(q=f.rare_word),
        lambda f: datasette(("_search", f.rare_word)),
    ),
    # Datasette has no typo tolerance: its page for the typo finds nothing, no comparison.
    Page(
        "search_typo", "Search, typo", CATALOGUE_MS, lambda f: catalogue(q="trabajdores agricolas")
    ),
    Page(
        "search_filtered",
        "Search + filters",
        CATALOGUE_MS,
        lambda f: catalogue(q="ninos migrantes", area="2", tipo="programa"),
        lambda f: datasette(
            ("_search", "ninos migrantes"), ("areas__arraycontains", "2"), ("kind", "programa")
        ),
    ),
    Page(
        "deep",
        "Page {deep_page}",
        CATALOGUE_MS,
        lambda f: catalogue(pagina=f.deep_page),
        lambda f: datasette(("_next", f.deep_after)),
    ),
    Page(
        "instrument",
        "Instrument",
        INSTRUMENT_MS,
        lambda f: f.instrument_url,
        lambda f: f"/catalogue/instruments/{f.instrument_pk}",
    ),
    # Held to its own target (under 300 ms and 100 KB, or a 400): see bench_report.
    Page(CRAFTED, "Crafted URL", None, lambda f: f.crafted_url, expect=(200, 400)),
    # The downloads (DOWNLOADS): a filtered catalogue as CSV (up to a file of 5,000 rows,
    # held to no page budget) and the API's list of the same query, each beside
    # Datasette's own.
    Page(
        "csv",
        "CSV export, 1 filter",
        None,
        lambda f: catalogue(grupo="mujeres", formato="csv"),
        lambda f: DATASETTE_TABLE.replace("?", ".csv?") + "groups__arraycontains=mujeres",
    ),
    Page(
        "api",
        "API list, 1 filter",
        CATALOGUE_MS,
        lambda f: "/api/v1/instrumentos/?grupo=mujeres",
        lambda f: DATASETTE_TABLE.replace("?", ".json?") + "groups__arraycontains=mujeres",
    ),
]


# Not pages of the targets but files for programs: measured and shown, and held
# to targets of their own (bench_report.download_targets).
DOWNLOADS = ("csv", "api")


def build_pages(facts):
    """{key: the page's label, URLs, budget and the statuses it may answer}."""
    return {
        page.key: {
            "label": page.label.format_map(vars(facts)),
            "url": page.ours(facts),
            "datasette_url": page.datasette(facts),
            "budget_ms": page.budget_ms,
            "expect": list(page.expect),
        }
        for page in PAGES
    }


# Facts -----------------------------------------------------------------------------------


def read_facts(results_of, request_line_limit):
    """The facts of the corpus in the database; `results_of(url)` counts the instruments
    a catalogue URL finds (the rare word is checked on the site itself)."""
    published = Instrument.objects.published()
    pages = max(1, math.ceil(published.count() / PAGE_SIZE))
    deep = min(DEEP_PAGE, pages)
    offset = (deep - 1) * PAGE_SIZE - 1
    after = published.order_by("pk").values_list("pk", flat=True)[offset] if offset >= 0 else 0
    synthetic = published.filter(slug__startswith=SYNTHETIC_SLUG).order_by("pk")
    instrument = synthetic[min(499, synthetic.count() - 1)]
    group = busiest_group()
    facts = Facts(
        area_url=ThematicArea.objects.get(number=2).get_absolute_url(),
        group_slug=group.slug,
        group_url=group.get_absolute_url(),
        group_subgroups=group.subtree_size - 1,
        deep_page=deep,
        deep_after=after,
        instrument_url=instrument.get_absolute_url(),
        instrument_pk=instrument.pk,
    )
    facts.rare_word, facts.rare_results = rare_word(results_of)
    limit = CRAFTED_BYTES
    if request_line_limit:
        limit = min(limit, request_line_limit - REQUEST_LINE_OVERHEAD)
    facts.crafted_url, facts.crafted = crafted_url(limit)
    return facts


def busiest_group():
    """The top-level group whose page lists the most instruments, the same in every corpus
    size: the one with most sub-groups (a group's page includes its sub-groups', and the
    corpus links instruments to every group alike), then with most of the knowledge
    base's own instruments. `subtree_size`: its number of groups."""
    parents = dict(TargetGroup.objects.values_list("pk", "parent_id"))

    def top(pk):
        seen = set()
        while parents[pk] is not None and pk not in seen:
            seen.add(pk)
            pk = parents[pk]
        return pk

    sizes = Counter(top(pk) for pk in parents)
    real = Counter(
        top(group)
        for group in Instrument.target_groups.through.objects.exclude(
            instrument__slug__startswith=SYNTHETIC_SLUG
        ).values_list("targetgroup_id", flat=True)
    )
    best = max(sizes, key=lambda pk: (sizes[pk], real[pk], -pk))
    group = TargetGroup.objects.get(pk=best)
    group.subtree_size = sizes[best]
    return group


def generated_words():
    """Every word the synthetic corpus can use: the source document's sentences and the
    generator's own vocabulary."""
    texts = [
        *GenerateCorpus().source_sentences(),
        *ACTIONS,
        *PEOPLE,
        *COUNTRIES.values(),
        *(name for name, _kind in INSTITUTION_NAMES),
        *(str(label) for _value, label in InstrumentKind.choices),
    ]
    return Counter(word for text in texts for word in words(text))


def rare_word(results_of):
    """A word of the knowledge base's own instruments that the synthetic corpus never
    uses, and that the search finds in at most RARE_RESULTS instruments: the first of the
    rarest, longest such words. Returns (word, results); if none is that rare, the one
    tried that finds fewest."""
    generated = generated_words()
    counts = Counter()
    real = Instrument.objects.published().exclude(slug__startswith=SYNTHETIC_SLUG)
    for text in real.values_list("name", "summary", "description"):
        found = {word for word in words(" ".join(text)) if word.isalpha() and len(word) >= 7}
        counts.update(found - set(generated))
    candidates = sorted(counts, key=lambda word: (counts[word], -len(word), word))
    fewest = (None, None)
    for word in candidates[:RARE_CANDIDATES]:
        found = results_of(catalogue(q=word))
        if found and found <= RARE_RESULTS:
            return word, found
        if found and (fewest[1] is None or found < fewest[1]):
            fewest = (word, found)
    return fewest


def misspelled(count=MAX_QUERY_WORDS):
    """`count` of the corpus's commonest long words, each with two letters swapped."""
    common = [word for word, _n in generated_words().most_common() if len(word) >= 7]
    typos = []
    for word in common:
        middle = len(word) // 2
        typo = word[: middle - 1] + word[middle] + word[middle - 1] + word[middle + 1 :]
        if typo != word:
            typos.append(typo)
        if len(typos) == count:
            break
    return typos


def facet_values():
    """Every valid value of every facet, up to MAX_VALUES each (the knowledge base's own
    records first), shortest facets first."""
    values = {
        "area": [str(number) for number in ThematicArea.objects.values_list("number", flat=True)],
        "tipo": list(InstrumentKind.values),
        "estado": list(Status.values),
        "grupo": list(TargetGroup.objects.order_by("pk").values_list("slug", flat=True)),
        "lugar": list(Place.objects.order_by("pk").values_list("code", flat=True)),
        "institucion": list(Institution.objects.order_by("pk").values_list("slug", flat=True)),
    }
    return [(name, value) for name, options in values.items() for value in options[:MAX_VALUES]]


def crafted_url(limit):
    """The worst URL within the bounds, `limit` bytes long: 12 misspelled words, every
    valid value of every facet that fits, padding, and a random unknown parameter."""
    rng = random.Random(1)
    unknown = (f"z{rng.getrandbits(64):016x}", f"{rng.getrandbits(64):016x}")
    query = [("q", " ".join(misspelled()))]
    length = len(catalogue()) + len(urlencode([*query, unknown])) + len("&relleno=") + 1
    values = facet_values()
    kept = 0
    for name, value in values:
        extra = len(urlencode([(name, value)])) + 1
        if length + extra > limit:
            break
        query.append((name, value))
        length += extra
        kept += 1
    query.append(("relleno", "x" * max(0, limit - length)))
    url = f"{CATALOGUE}?{urlencode([*query, unknown])}"
    details = {"bytes": len(url), "facet_values": kept, "facet_values_valid": len(values)}
    return url, {**details, "words": query[0][1], "unknown_parameter": unknown[0]}


# Every other kind of page -----------------------------------------------------------------

# Each page of the site outside PAGES, once, in process: none may cost more than this at
# the bench's size (issue 19: no URL costs more than a bounded amount).
SWEEP_MS = 300
SWEEP_KB = 1024


def sweep_urls():
    """[(label, URL)]: one address of every kind of page that PAGES leaves out, each the
    largest of its kind in the corpus (the practice with most instruments, the institution
    with most, the sitemap's last page)."""
    practice = Practice.objects.published().annotate(n=Count("instruments")).order_by("-n", "pk")
    institution = Institution.objects.annotate(n=Count("participations")).order_by("-n", "pk")
    section = SITEMAPS["instrumentos"]
    return [
        ("Areas", reverse("catalogue:area_list")),
        ("Areas, English", english(reverse("catalogue:area_list"))),
        ("Target groups", reverse("catalogue:target_group_list")),
        ("Institutions", reverse("catalogue:institution_list")),
        ("Timeline", reverse("catalogue:timeline")),
        ("Glossary", reverse("programs:glossary")),
        ("Compact: objectives", reverse("compact:objective_list")),
        ("Compact: matrix", reverse("compact:matrix")),
        ("Compact: objective 1", Objective.objects.get(number=1).get_absolute_url()),
        ("Largest practice", practice.first().get_absolute_url()),
        ("Largest institution", institution.first().get_absolute_url()),
        ("Atom feed", reverse("catalogue:feed")),
        ("Sitemap index", reverse("catalogue:sitemap_index")),
        ("Sitemap, instruments, last page", sitemap_page("instrumentos", section)),
        ("Data Package", reverse("catalogue:datapackage")),
        ("About", reverse("catalogue:about")),
        ("API: areas", "/api/v1/areas/"),
        ("API: practices", "/api/v1/practicas/"),
        ("API: instruments", "/api/v1/instrumentos/"),
        ("API: institutions", "/api/v1/instituciones/"),
        ("API: groups", "/api/v1/grupos/"),
        ("API documentation", reverse("api_documentation")),
    ]


def english(address):
    """The English page's address of a Spanish one."""
    return translate_url(address, "en")


def sitemap_page(name, section):
    return f"{reverse('catalogue:sitemap', args=[name])}?p={section.paginator.num_pages}"
