"""Bad input never yields a 5xx: every public URL, given odd values for each query
parameter it knows (and for names it does not), odd encodings, odd slugs, odd headers and
odd methods, answers with a page that names each invalid filter and ignores it, a 400, a
404 or a redirect, and echoes nothing unescaped.

Hypothesis draws the input, derandomized so that CI meets the same cases on every run and
bounded so that the file stays well under 90 seconds. The knowledge base is loaded once for
the module, which only reads it; each request runs in a savepoint, so that a database error
in one example cannot poison the transaction the next examples run in.
"""

import html
import re
from urllib.parse import quote, quote_plus, unquote, urlencode

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from catalogue.filters import InstrumentFilter
from practices.models import Practice, ThematicArea
from programs.models import Institution, Instrument, TargetGroup


def bounded(max_examples):
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


# The public URLs, by name: the test below fails when a new one is not listed here.
PAGE_NAMES = [
    "catalogue:home",
    "catalogue:area_list",
    "catalogue:catalogue",
    "catalogue:area",
    "practices:practice",
    "programs:instrument",
    "catalogue:target_group_list",
    "catalogue:target_group",
    "catalogue:institution_list",
    "programs:institution",
    "programs:glossary",
    "catalogue:timeline",
    "catalogue:about",
    "catalogue:source_text",
    "compact:objective_list",
    "compact:objective",
    "compact:matrix",
    "catalogue:feed",
    "catalogue:datapackage",
    "catalogue:data_resource",
    "catalogue:robots",
    "catalogue:sitemap_index",
    "catalogue:sitemap",
    "api_documentation",
    "api:api-root",
    "api:schema",
    "api:instrumento-list",
    "api:instrumento-detail",
    "api:practica-list",
    "api:practica-detail",
    "api:area-list",
    "api:area-detail",
    "api:grupo-list",
    "api:grupo-detail",
    "api:institucion-list",
    "api:institucion-detail",
    "healthz",
    "set_language",
    "admin:login",
]
# The pages with the catalogue's filters, and those that paginate (with the context name
# of their page of results).
FILTER_PAGES = ["catalogue:catalogue", "catalogue:target_group", "catalogue:timeline"]
PAGINATED = {name: "page" for name in FILTER_PAGES}
PAGINATED |= {"catalogue:institution_list": "page", "catalogue:area": "practices"}
DETAIL_MODELS = {
    "/areas/": ThematicArea,
    "/practicas/": Practice,
    "/instrumentos/": Instrument,
    "/grupos/": TargetGroup,
    "/instituciones/": Institution,
}
DETAIL_PREFIXES = list(DETAIL_MODELS)

# Answers that tell the reader what happened. 204: the language switch, asked by a client
# that takes no HTML, has nowhere to send it back to.
CLEAR_ANSWERS = {200, 204, 301, 302, 400, 404}

# Input that would run as markup if echoed unescaped, and what of it must never come back.
MARK = "xss-b4d1nput"
MARKERS = [
    f'<script>alert("{MARK}")</script>',
    f'"><b onmouseover={MARK}>',
    f"'><i onmouseover='{MARK}'>",
]
UNESCAPED = [f'<script>alert("{MARK}', f"<b onmouseover={MARK}", f"<i onmouseover='{MARK}"]

FILTER_NAMES = list(InstrumentFilter.base_filters)
PARAMETER_NAMES = [
    *FILTER_NAMES,
    "pagina",
    "next",
    "language",
    # Names the site does not use, some of them what other sites call these parameters.
    "page",
    "sort",
    "kind",
    "search",
    "tipo[]",
    "Tipo",
    "q ",
    "",
    "\x00",
    "a" * 300,
]
# Values some filter takes, so that bad ones meet filters that apply.
PLAUSIBLE_VALUES = [
    "ley",
    "programa",
    "vigente",
    "MX",
    "inm",
    "personas-migrantes",
    "nombre",
    "-fecha",
    "relevancia",
    "2010",
    "migrantes",
    '"trabajadores agricolas"',
]
NASTY_VALUES = [
    "",
    " ",
    "0",
    "-1",
    "1",
    "7",
    str(10**30),
    f"-{10**30}",
    "1e9",
    "1e400",
    "1.5",
    "abc",
    "NaN",
    "inf",
    "0x10",
    "١٩٩٠",  # Arabic-Indic digits: int() takes them
    "9" * 5000,  # beyond int()'s limit on digits
    "\x00",
    "a\x00b",
    "ley\x00",
    "'",
    '"',
    ";",
    "--",
    "%",
    "_",
    "\\",
    "' OR '1'='1' --",
    "1; DROP TABLE programs_instrument; --",
    "%' AND 1=1 --",
    "a & b | !c <-> d:*",  # PostgreSQL's tsquery operators
    '"unclosed phrase',
    *MARKERS,
    "x" * 10240,
    "NIÑOS ñandú",
    "🙂",
    "\u202e\u0301",
    "\ufeff\uffff",
    "İß",
    *PLAUSIBLE_VALUES,
]
values = st.one_of(
    st.sampled_from(NASTY_VALUES),
    st.text(max_size=30),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.tuples(st.text(max_size=5), st.sampled_from(MARKERS), st.text(max_size=5)).map("".join),
    # PostgreSQL refuses text with a NUL byte in it, where SQLite takes it.
    st.tuples(st.sampled_from(PLAUSIBLE_VALUES), st.text(max_size=5)).map("\x00".join),
)
names = st.one_of(st.sampled_from(PARAMETER_NAMES), st.text(max_size=10))


def escapes(data, upper=True):
    pattern = "%{:02X}" if upper else "%{:02x}"
    return "".join(pattern.format(byte) for byte in data)


def mixed_case_escapes(data):
    return "".join(
        f"%{byte:02X}" if index % 2 else f"%{byte:02x}" for index, byte in enumerate(data)
    )


def overlong(value):
    """ASCII as two-byte UTF-8 sequences, which decoders must refuse ("/" as %C0%AF)."""
    return "".join(
        f"%{0xC0 | ord(char) >> 6:02X}%{0x80 | ord(char) & 0x3F:02X}"
        if ord(char) < 128
        else quote(char)
        for char in value
    )


# Characters a careless client sends unescaped; "&", "=", "#" and "+" keep their meaning.
UNESCAPED_SAFE = "\"'<>;/:?@!$()*,[]{}|\\^`~%"

ENCODINGS = {
    "utf-8": lambda value: quote(value, safe=""),
    "form": quote_plus,
    "lower-case escapes": lambda value: escapes(value.encode(), upper=False),
    "mixed-case escapes": lambda value: mixed_case_escapes(value.encode()),
    # Non-ASCII in latin-1: invalid UTF-8.
    "latin-1": lambda value: escapes(value.encode("latin-1", "replace")),
    "overlong": overlong,
    # Metacharacters as they are, non-ASCII as raw UTF-8 bytes.
    "unescaped": lambda value: "".join(
        char if ord(char) > 127 else quote(char, safe=UNESCAPED_SAFE) for char in value
    ),
}
encodings = st.sampled_from(sorted(ENCODINGS))

# Pieces of query strings that no encoder makes: broken and invalid escapes, stray
# separators.
JUNK = [
    "%C3%28",
    "%FF",
    "%C0%AF",
    "%E0%80%AF",
    "%ED%A0%80",  # a UTF-16 surrogate
    "%F4%90%80%80",  # beyond U+10FFFF
    "%",
    "%G1",
    "%2",
    "%%",
    "%c3",
    "%fF%Fe",
    "+",
    "&",
    "=",
    "==",
    "=%00",
    "%00=",
    ";",
    "q",
    "q=",
    "=q",
    "tipo=%C3%28",
    "grupo=%FF",
    "pagina=%C0%B1",
]


@st.composite
def parameters(draw):
    """One or more `name=value` pairs, as raw query-string text."""
    name = ENCODINGS[draw(encodings)](draw(names))
    encode = ENCODINGS[draw(encodings)]
    value = draw(values)
    shape = draw(st.sampled_from(["once", "repeated", "many values", "every filter"]))
    if shape == "once":
        return f"{name}={encode(value)}"
    if shape == "every filter":
        return "&".join(f"{filter_name}={encode(value)}" for filter_name in FILTER_NAMES)
    times = draw(st.integers(min_value=2, max_value=40))
    if shape == "repeated":
        return "&".join([f"{name}={encode(value)}"] * times)
    return "&".join(f"{name}={encode(value + str(index))}" for index in range(times))


queries = st.lists(st.one_of(parameters(), st.sampled_from(JUNK)), max_size=6).map("&".join)


# Helpers ---------------------------------------------------------------------------------


def get(url, client=None, **extra):
    with transaction.atomic():
        return (client or Client()).get(url, **extra)


def text(response):
    """The body, whole, whether the view streamed it (a download) or not."""
    if response.streaming:
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def assert_nothing_unescaped(response):
    body = text(response)
    for unescaped in UNESCAPED:
        assert unescaped not in body


def section(body, opening):
    """The inner HTML of the first element opened by `opening` (none nested inside)."""
    tag = opening.split()[0].lstrip("<")
    found = re.search(re.escape(opening) + r"[^>]*>(.*?)</" + tag + ">", body, re.S)
    return found.group(1) if found else ""


def assert_invalid_filters_named(response):
    """Every filter the form refused, and only those, named in the notice; returns their
    names."""
    filterset = response.context["filterset"]
    invalid = set(filterset.form.errors)
    notice = section(text(response), '<div class="notice"')
    named = {html.unescape(label) for label in re.findall(r"<li><strong>(.*?)</strong>:", notice)}
    with translation.override("es-mx"):
        assert named == {str(filterset.filters[name].label) for name in invalid}
    return invalid


def results(response):
    return [record.slug for record in response.context["page"].paginator.object_list]


def facet_counts(response):
    return [
        (facet.name, [(option.value, option.count) for option in facet.options if option.count])
        for facet in response.context["facets"]
    ]


def chip_labels(response):
    return [chip.label for chip in response.context.get("chips", [])]


def url_names(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_names(pattern.url_patterns, inner)
        elif pattern.name:
            yield namespace + pattern.name


@pytest.fixture(scope="module")
def shared_knowledge_base(django_db_setup, django_db_blocker):
    """The shipped fixtures, loaded once for this module's tests, which only read them, in
    a transaction undone after the last; each test's own transaction nests inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_knowledge_base", verbosity=0)
        yield
        transaction.set_rollback(True)


def api_urls():
    """The API's list and detail of each record type (the detail of its first record)."""
    records = {
        "instrumento": Instrument.objects.published(),
        "practica": Practice.objects.published(),
        "area": ThematicArea.objects.all(),
        "grupo": TargetGroup.objects.all(),
        "institucion": Institution.objects.all(),
    }
    urls = {}
    for name, queryset in records.items():
        urls[f"api:{name}-list"] = reverse(f"api:{name}-list")
        urls[f"api:{name}-detail"] = reverse(
            f"api:{name}-detail", args=[queryset.order_by("slug")[0].slug]
        )
    return urls


@pytest.fixture
def pages(shared_knowledge_base, db):
    """Each public URL name, with a URL of it that answers before any bad input: records
    with the most to show, so that filters and pages have something to work on."""
    group = max(TargetGroup.objects.counted(), key=lambda group: group.instrument_count)
    area = max(ThematicArea.objects.all(), key=lambda area: area.practices.count())
    urls = {
        "catalogue:home": reverse("catalogue:home"),
        "catalogue:area_list": reverse("catalogue:area_list"),
        "catalogue:catalogue": reverse("catalogue:catalogue"),
        "catalogue:area": area.get_absolute_url(),
        "practices:practice": Practice.objects.published().order_by("slug")[0].get_absolute_url(),
        "programs:instrument": Instrument.objects.published()
        .order_by("slug")[0]
        .get_absolute_url(),
        "catalogue:target_group_list": reverse("catalogue:target_group_list"),
        "catalogue:target_group": group.get_absolute_url(),
        "catalogue:institution_list": reverse("catalogue:institution_list"),
        "programs:institution": Institution.objects.order_by("slug")[0].get_absolute_url(),
        "programs:glossary": reverse("programs:glossary"),
        "catalogue:timeline": reverse("catalogue:timeline"),
        "catalogue:about": reverse("catalogue:about"),
        "catalogue:source_text": reverse("catalogue:source_text", args=["mexico-a-hrc-35-l28"]),
        "compact:objective_list": reverse("compact:objective_list"),
        "compact:objective": reverse("compact:objective", args=[5]),
        "compact:matrix": reverse("compact:matrix"),
        "catalogue:feed": reverse("catalogue:feed"),
        "catalogue:datapackage": reverse("catalogue:datapackage"),
        "catalogue:data_resource": reverse("catalogue:data_resource", args=["instrumentos"]),
        "catalogue:robots": reverse("catalogue:robots"),
        "catalogue:sitemap_index": reverse("catalogue:sitemap_index"),
        "catalogue:sitemap": reverse("catalogue:sitemap", args=["instrumentos"]),
        "api_documentation": reverse("api_documentation"),
        "api:api-root": reverse("api:api-root"),
        "api:schema": reverse("api:schema"),
        **api_urls(),
        "healthz": reverse("healthz"),
        "set_language": reverse("set_language"),
        "admin:login": reverse("admin:login"),
    }
    assert list(urls) == PAGE_NAMES
    return urls


@pytest.fixture
def page_counts(pages):
    """How many pages of results each paginated page has, without filters."""
    counts = {}
    for name, key in PAGINATED.items():
        response = get(pages[name])
        counts[name] = response.context[key].paginator.num_pages
    assert max(counts.values()) > 1, "no page has a second page to ask for"
    return counts


# Every public URL ------------------------------------------------------------------------


def test_every_public_url_is_exercised():
    """A new URL must join PAGE_NAMES, and so every test below."""
    names = set(url_names(get_resolver().url_patterns))
    public = {name for name in names if not name.startswith("admin:")}
    assert public <= set(PAGE_NAMES), public - set(PAGE_NAMES)


def test_every_page_answers_without_bad_input(pages):
    for name, url in pages.items():
        expected = 302 if name == "set_language" else 200
        assert get(url).status_code == expected, name


# Query strings ---------------------------------------------------------------------------


@bounded(90)
# The pages with filters have the most to get wrong: they come up three times as often.
@given(name=st.sampled_from(PAGE_NAMES + FILTER_PAGES * 2), query=queries)
# PostgreSQL refused the institution facet's query, which took the values as they came.
@example(name="catalogue:catalogue", query="institucion=%00")
@example(name="catalogue:target_group", query="tipo=ley&institucion=a%00b")
@example(name="catalogue:catalogue", query="institucion=%00&institucion=inm&q=migrantes")
@example(name="catalogue:catalogue", query="q=%C3%28&tipo=%FF&grupo=%C0%AF&pagina=%ED%A0%80")
def test_any_query_on_any_page_gets_a_clear_answer(pages, name, query):
    response = get(f"{pages[name]}?{query}")
    assert response.status_code in CLEAR_ANSWERS
    assert_nothing_unescaped(response)
    if response.status_code == 200 and response.context and "filterset" in response.context:
        assert_invalid_filters_named(response)


@bounded(30)
@given(name=st.sampled_from(FILTER_PAGES), value=values, encode=encodings)
def test_every_filter_at_once_takes_any_value(pages, name, value, encode):
    """Each filter of the page, given the same value: every filter meets every kind of
    value, in far fewer requests than one filter at a time."""
    query = "&".join(f"{key}={ENCODINGS[encode](value)}" for key in FILTER_NAMES)
    response = get(f"{pages[name]}?{query}")
    assert response.status_code == 200
    assert_nothing_unescaped(response)
    assert_invalid_filters_named(response)


VALID_FILTERS = [
    ("tipo", "ley"),
    ("tipo", "programa"),
    ("area", "1"),
    ("area", "6"),
    ("grupo", "personas-migrantes"),
    ("lugar", "MX"),
    ("estado", "vigente"),
    ("desde", "2010"),
    ("hasta", "2020"),
    ("q", "migrantes"),
    ("institucion", "inm"),
    ("orden", "-fecha"),
    ("orden", "nombre"),
]


@bounded(15)
@given(
    name=st.sampled_from(FILTER_PAGES),
    valid=st.lists(st.sampled_from(VALID_FILTERS), max_size=2),
    invalid=st.lists(st.tuples(st.sampled_from(FILTER_NAMES), values), min_size=1, max_size=3),
)
@example(name="catalogue:catalogue", valid=[("tipo", "ley")], invalid=[("grupo", "\x00")])
@example(name="catalogue:target_group", valid=[("area", "1")], invalid=[("institucion", "a\x00")])
@example(name="catalogue:target_group", valid=[("q", "migrantes")], invalid=[("desde", "1e9")])
def test_an_invalid_filter_is_named_and_the_rest_of_the_page_works(pages, name, valid, invalid):
    query = "&".join(f"{quote(key)}={quote(value)}" for key, value in [*valid, *invalid])
    response = get(f"{pages[name]}?{query}")
    assert response.status_code == 200
    refused = assert_invalid_filters_named(response)
    rest = response.wsgi_request.GET.copy()
    for key in refused:
        rest.pop(key)
    without = get(f"{pages[name]}?{rest.urlencode()}")
    assert without.status_code == 200
    assert not without.context["filterset"].errors
    assert results(response) == results(without)
    assert facet_counts(response) == facet_counts(without)
    assert chip_labels(response) == chip_labels(without)


@bounded(40)
@given(
    name=st.sampled_from(sorted(PAGINATED)),
    number=st.one_of(
        st.sampled_from(["", "0", "-1", "1", "2", "3", "1e9", "1.0", "abc", "١", " 2 ", "+2"]),
        st.sampled_from([str(10**30), "9" * 5000, "1_0", "0x1", "\x00", "2\x00"]),
        st.integers(min_value=-(10**40), max_value=10**40).map(str),
        st.integers(min_value=-2, max_value=5).map(str),
        st.text(max_size=10),
    ),
)
def test_a_page_number_is_a_page_or_a_404(pages, page_counts, name, number):
    """Any `pagina` that Python reads as a page number in range is that page; anything
    else is a 404 (the paginated pages only)."""
    response = get(f"{pages[name]}?pagina={quote(number)}")
    try:
        wanted = int(number or 1)
    except ValueError:
        wanted = None
    if wanted is not None and 1 <= wanted <= page_counts[name]:
        assert response.status_code == 200
        assert response.context[PAGINATED[name]].number == wanted
    else:
        assert response.status_code == 404


@bounded(12)
@given(
    # Pages that read their query: one that ignores it never parses it, nor counts fields.
    name=st.sampled_from([*FILTER_PAGES, "catalogue:institution_list"]),
    key=st.sampled_from([*FILTER_NAMES, "pagina", "unknown"]),
    value=st.sampled_from(["ley", "1", "personas-migrantes", "inm", "MX", "\x00", "x" * 100]),
    times=st.integers(min_value=2, max_value=1100),
    distinct=st.booleans(),
)
@example(name="catalogue:catalogue", key="tipo", value="ley", times=1001, distinct=False)
def test_a_parameter_repeated_hundreds_of_times(pages, name, key, value, times, distinct):
    """Up to the limit of fields Django parses (1,000 by default), then a 400."""
    query = "&".join(f"{key}={quote(value + (str(i) if distinct else ''))}" for i in range(times))
    response = get(f"{pages[name]}?{query}")
    if times > 1000:
        assert response.status_code == 400
    else:
        assert response.status_code in CLEAR_ANSWERS
    assert_nothing_unescaped(response)


def test_echoed_input_is_escaped(pages):
    """The property tests' check for an unescaped echo can fail: each page below shows the
    input it was given, escaped."""
    echoes = [
        ("catalogue:catalogue", "q"),  # the search box, the chips
        ("catalogue:catalogue", "tipo"),  # the notice quotes the refused value
        ("catalogue:target_group", "institucion"),
        ("catalogue:timeline", "grupo"),
    ]
    for name, key in echoes:
        for marker in MARKERS:
            response = get(f"{pages[name]}?{urlencode({key: marker})}")
            assert response.status_code == 200
            assert escape(marker) in text(response), (name, key, marker)
            assert_nothing_unescaped(response)


def test_an_empty_choice_asks_for_nothing(pages):
    """The timeline's «Todos» option sends its filter's name with no value: no filter,
    rather than an invalid one."""
    cases = [
        ("catalogue:timeline", "area=&grupo=", ""),
        (
            "catalogue:catalogue",
            "tipo=&grupo=personas-migrantes&lugar=",
            "grupo=personas-migrantes",
        ),
        ("catalogue:target_group", "area=&area=1&institucion=", "area=1"),
    ]
    for name, query, meaning in cases:
        response = get(f"{pages[name]}?{query}")
        assert response.status_code == 200
        assert 'class="notice"' not in text(response), query
        assert results(response) == results(get(f"{pages[name]}?{meaning}")), query


# Paths -----------------------------------------------------------------------------------

ODD_SLUGS = [
    "no-such-record",
    "LEY-DE-MIGRACION",
    "a" * 10240,
    "0",
    "-1",
    "1e9",
    "%00",
    "a%00b",
    "%C3%28",
    "%FF",
    "%C0%AF",
    "ni%C3%B1os",
    "%2E%2E",
    "..",
    "%2F",
    "%252F",
    "'%20OR%20'1'='1",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    quote(MARKERS[1], safe=""),
    "a;b",
    "a%3Bb",
    "_",
    "--",
]


@bounded(40)
@given(
    prefix=st.sampled_from([*DETAIL_PREFIXES, "/no-such-page/", "/healthz/", "/grupos/x/"]),
    slug=st.one_of(
        st.sampled_from(ODD_SLUGS),
        st.text(min_size=1, max_size=30).map(lambda text: quote(text, safe="")),
        st.binary(min_size=1, max_size=12).map(escapes),
        st.from_regex(r"[-a-zA-Z0-9_]{1,40}", fullmatch=True),
    ),
    ending=st.sampled_from(["/", "", "//", "/x/"]),
)
@example(prefix="/instrumentos/", slug="a" * 10240, ending="/")
@example(prefix="/grupos/", slug="%00", ending="/")
def test_odd_paths_and_slugs_are_404s_or_redirects(pages, prefix, slug, ending):
    """A 404, or the redirect that adds a missing final slash; a 200 only for a record
    that exists."""
    response = get(prefix + slug + ending)
    if response.status_code == 200:
        assert ending == "/"
        assert DETAIL_MODELS[prefix].objects.filter(slug=unquote(slug)).exists()
    else:
        assert response.status_code in {301, 404}
    assert_nothing_unescaped(response)


# Headers and methods ---------------------------------------------------------------------

ODD_HEADERS = [
    "",
    "*",
    "en",
    "xx-YY",
    "en;q=abc",
    "en;q=-1, es;q=2",
    "en-US,en;q=0.9,es-MX;q=0.8",
    "zh-Hant-TW-x-private-" + "a" * 600,
    ",,,;q=",
    'W/"abc", "def"',
    '"unterminated',
    "Thu, 01 Jan 1970 00:00:00 GMT",
    "Mon, 99 Xyz 9999 99:99:99 GMT",
    "Sun, 06 Nov 1994 08:49:37 GMT",
    "-1",
    "99999999999999999999",
    "javascript:alert(1)",
    "//evil.example/",
    *MARKERS,
]


def as_received(value):
    """`value` as a WSGI server hands a header over: its bytes read as latin-1, with no
    line breaks or NUL bytes (servers refuse those)."""
    return value.encode().decode("latin-1").translate({ord(c): None for c in "\r\n\x00"})


headers = st.one_of(st.sampled_from(ODD_HEADERS), st.text(max_size=40)).map(as_received)


@bounded(30)
@given(
    name=st.sampled_from(PAGE_NAMES),
    accept_language=headers,
    language_cookie=headers,
    session_cookie=headers,
    if_none_match=headers,
    if_modified_since=headers,
    referer=headers,
)
def test_odd_headers_get_a_clear_answer(
    pages,
    name,
    accept_language,
    language_cookie,
    session_cookie,
    if_none_match,
    if_modified_since,
    referer,
):
    cookie = f"django_language={language_cookie}; sessionid={session_cookie}; csrftoken=x"
    response = get(
        pages[name],
        headers={
            "Accept-Language": accept_language,
            "Cookie": cookie,
            "If-None-Match": if_none_match,
            "If-Modified-Since": if_modified_since,
            "Referer": referer,
        },
    )
    assert response.status_code in CLEAR_ANSWERS | {304}
    assert_nothing_unescaped(response)


@bounded(30)
@given(
    name=st.sampled_from(PAGE_NAMES),
    method=st.sampled_from(["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE"]),
    query=queries,
    body=queries,
)
def test_any_method_gets_a_clear_answer(pages, name, method, query, body):
    """With the CSRF checks production makes: 403 for an unsafe method without a token,
    405 where a view takes only GET."""
    client = Client(enforce_csrf_checks=True)
    with transaction.atomic():
        response = client.generic(
            method,
            f"{pages[name]}?{query}",
            data=body,
            content_type="application/x-www-form-urlencoded",
        )
    assert response.status_code in CLEAR_ANSWERS | {403, 405}
    assert_nothing_unescaped(response)


@bounded(30)
@given(language=values, next_url=values, encode=encodings)
@example(language="en", next_url="//evil.example/", encode="utf-8")
@example(language="en\x00", next_url="/instrumentos/?q=%C3%28", encode="unescaped")
@example(language="es-mx", next_url="javascript:alert(1)", encode="utf-8")
def test_the_language_switch_takes_any_input_and_stays_on_the_site(db, language, next_url, encode):
    body = f"language={ENCODINGS[encode](language)}&next={ENCODINGS[encode](next_url)}"
    with transaction.atomic():
        response = Client().post(
            reverse("set_language"), data=body, content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code in {302, 204}
    if response.status_code == 302:
        assert url_has_allowed_host_and_scheme(response["Location"], {"testserver"})
    assert_nothing_unescaped(response)


# Hosts and cookies -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:8000", "testserver.evil.example", "evil.example#@localhost"],
)
def test_an_unknown_host_is_400(db, host):
    for path in ["/", "/instrumentos/?q=ley", "/instrumentos/ley-de-migracion/"]:
        response = get(path, HTTP_HOST=host)
        assert response.status_code == 400, path


def test_a_session_cookie_with_a_nul_byte_is_not_a_server_error(db):
    """A quoted cookie spells a NUL byte in plain ASCII ("\\000"). Every public page asks
    whether the reader is signed in, which looks the session key up, and PostgreSQL
    refuses a query holding a NUL byte (config/sessions.py keeps such keys away)."""
    response = get("/glosario/", headers={"Cookie": 'sessionid="abcdefgh\\000"'})
    assert response.status_code == 200
