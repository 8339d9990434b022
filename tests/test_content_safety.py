"""Text entered by editors is escaped: an editor's <script> never runs on public pages.

Every text field of the knowledge base's records holds attack strings (tags, attribute
break-outs, a `javascript:` address, template syntax); every public page showing them is
then parsed as a browser would, and must contain no element, event handler, script or
address the site's own templates did not put there.
"""

import datetime
import html
import json
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.urls import reverse

from core.records import DatePrecision, PublicationStatus
from practices.models import Practice, ThematicArea
from programs.models import (
    Institution,
    InstitutionKind,
    Instrument,
    InstrumentKind,
    KeyFigure,
    Participation,
    Place,
    PlaceKind,
    Role,
    TargetGroup,
)
from tests.factories import shipped_source
from tests.helpers import admin_form_data

# These tests make records of their own, in a database without the knowledge base.
pytestmark = pytest.mark.usefixtures("empty_database")

# A word no page has otherwise, to search for and to prove the records are on a page.
MARKER = "zafiro"

# Each breaks out of a different context: element content, a quoted attribute, the
# <title> (whose content a browser reads as raw text up to </title>), an address, and
# the template language (a page rendering stored text as a template would show 49).
# The scripts among them, if run, open a dialog or set window.__pwned: tests/browser looks
# for both.
ATTACKS = [
    '<script>alert("xss")</script>',
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=window.__pwned=1>",
    "</title><script>window.__pwned=1</script>",
    "javascript:alert(1)",
    '{{ 7*7 }} {% now "Y" %}',
]
PAYLOAD = " ".join([MARKER, *ATTACKS])
# For fields of at most 100 characters.
MEDIUM = f'{MARKER} </title><script>alert(1)</script> "><img src=x onerror=alert(1)>'
# For acronyms (at most 20 characters), and place codes (at most 6).
SHORT = '"><svg onload=x>'
CODE = '"><b>'

# SQLite does not enforce max_length: make sure PostgreSQL will take them too.
assert len(PAYLOAD) <= 200 and len(MEDIUM) <= 100 and len(SHORT) <= 20 and len(CODE) <= 6

PUBLISHED = PublicationStatus.PUBLISHED
SITE_NAME = "Buenas Prácticas en migración"


def create_records():
    """One record of every kind, every text field an attack, all published and linked, so
    that each appears on every page that can show it."""
    text = {"source_quote": PAYLOAD, "citation": PAYLOAD}
    area = ThematicArea.objects.create(
        number=1,
        slug="area-xss",
        title=MEDIUM,
        resolution_text=PAYLOAD,
        source_quote=PAYLOAD,
    )
    country = Place.objects.create(code="XX", name=MEDIUM, kind=PlaceKind.COUNTRY, **text)
    state = Place.objects.create(
        code=CODE, name=MEDIUM, kind=PlaceKind.STATE, country=country, **text
    )
    institution = Institution.objects.create(
        slug="institucion-xss",
        name=PAYLOAD,
        acronym=SHORT,
        kind=InstitutionKind.CIVIL_SOCIETY,
        country=country,
        description=PAYLOAD,
        **text,
    )
    group = TargetGroup.objects.create(
        slug="grupo-xss", name=PAYLOAD, acronym=SHORT, description=PAYLOAD, **text
    )
    subgroup = TargetGroup.objects.create(
        slug="subgrupo-xss", name=PAYLOAD, parent=group, description=PAYLOAD, **text
    )
    # Without an acronym: the timeline labels it by its name.
    law = Instrument.objects.create(
        slug="ley-xss",
        name=PAYLOAD,
        kind=InstrumentKind.LAW,
        summary=PAYLOAD,
        description=PAYLOAD,
        start_date=datetime.date(2011, 5, 25),
        start_precision=DatePrecision.DAY,
        start_kind="publicado",
        publication_status=PUBLISHED,
        **text,
    )
    instrument = Instrument.objects.create(
        slug="programa-xss",
        name=PAYLOAD,
        acronym=SHORT,
        kind=InstrumentKind.PROGRAM,
        summary=PAYLOAD,
        description=PAYLOAD,
        start_date=datetime.date(2016, 1, 1),
        start_precision=DatePrecision.YEAR,
        start_kind="lanzado",
        parent=law,
        publication_status=PUBLISHED,
        **text,
    )
    instrument.legal_basis.add(law)
    instrument.related.add(law)
    instrument.target_groups.add(subgroup)
    law.target_groups.add(group)
    instrument.places.add(state)
    Participation.objects.create(
        instrument=instrument, institution=institution, role=Role.LEAD, citation=PAYLOAD
    )
    KeyFigure.objects.create(
        instrument=instrument,
        slug="cifra-xss",
        value=1234,
        unit=MEDIUM,
        measure=PAYLOAD,
        source_quote=PAYLOAD,
        is_headline=True,
    )
    practice = Practice.objects.create(
        area=area,
        position=1,
        slug="practica-xss",
        title=PAYLOAD,
        summary=PAYLOAD,
        body=PAYLOAD,
        publication_status=PUBLISHED,
        **text,
    )
    practice.instruments.add(instrument, law)
    return {
        "area": area,
        "place": state,
        "institution": institution,
        "group": group,
        "subgroup": subgroup,
        "law": law,
        "instrument": instrument,
        "practice": practice,
    }


@pytest.fixture
def records(db):
    return create_records()


def catalogue(**query):
    return f"{reverse('catalogue:catalogue')}?{urlencode(query)}"


# Every public page an attack shows on: (name, the URL, given the records).
PAGES = {
    "home": lambda r: reverse("catalogue:home"),
    "catalogue": lambda r: reverse("catalogue:catalogue"),
    "search for the marker": lambda r: catalogue(q=MARKER),
    # Words of the attacks: the highlighter cuts the stored text around them.
    "search for words of the attack": lambda r: catalogue(q="script alert onerror img"),
    "search for the attack itself": lambda r: catalogue(q=ATTACKS[0]),
    "catalogue by place": lambda r: catalogue(lugar=r["place"].code),
    "catalogue by institution": lambda r: catalogue(institucion=r["institution"].slug),
    "catalogue by group": lambda r: catalogue(grupo=r["group"].slug, q=MARKER),
    "instrument": lambda r: r["instrument"].get_absolute_url(),
    "law": lambda r: r["law"].get_absolute_url(),
    "practice": lambda r: r["practice"].get_absolute_url(),
    "thematic area": lambda r: r["area"].get_absolute_url(),
    "institution": lambda r: r["institution"].get_absolute_url(),
    "institution list": lambda r: reverse("catalogue:institution_list"),
    "target group": lambda r: r["group"].get_absolute_url(),
    "target sub-group": lambda r: r["subgroup"].get_absolute_url(),
    "target group list": lambda r: reverse("catalogue:target_group_list"),
    "glossary": lambda r: reverse("programs:glossary"),
    "timeline": lambda r: reverse("catalogue:timeline"),
}


class Page(HTMLParser):
    """What a browser would build from a page: its elements, attributes, scripts, and
    the text of its <title>."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags = []  # (tag, {attribute: value})
        self.scripts = []  # (attributes, content)
        self.title = None
        self._in = None
        self._text = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag in ("script", "title"):
            self._in, self._text = (tag, attributes), []

    def handle_data(self, data):
        if self._in:
            self._text.append(data)

    def handle_endtag(self, tag):
        if self._in and tag == self._in[0]:
            content = "".join(self._text)
            if tag == "script":
                self.scripts.append((self._in[1], content))
            elif self.title is None:
                self.title = content
            self._in = None

    @property
    def description(self):
        for tag, attributes in self.tags:
            if tag == "meta" and attributes.get("name") == "description":
                return attributes.get("content")
        return None


# Elements the site's templates never produce, so any of them on a page came from a record
# (the timeline draws with <svg>: the event-handler check covers that one).
FOREIGN_ELEMENTS = {"img", "iframe", "object", "embed", "base", "b"}
ADDRESS_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}


def assert_inert(text):
    """No element, handler, script or address on the page came from a record."""
    # The plain strings first: the clearest failure message when escaping is dropped.
    for attack in ATTACKS[:4]:
        assert attack not in text
    assert SHORT not in text
    page = Page(text)
    tags = {tag for tag, _attributes in page.tags}
    assert not tags & FOREIGN_ELEMENTS, tags & FOREIGN_ELEMENTS
    for tag, attributes in page.tags:
        handlers = [name for name in attributes if name.startswith("on")]
        assert not handlers, (tag, attributes)
        for name in ADDRESS_ATTRIBUTES & attributes.keys():
            address = (attributes[name] or "").strip().lower()
            assert not address.startswith("javascript:"), (tag, attributes)
    # The one script is the site's own file: nothing inline but a record's JSON-LD, data
    # a browser never runs, escaped so that no text of the record can close it.
    data = [script for script in page.scripts if script[0] == {"type": "application/ld+json"}]
    for _attributes, content in data:
        assert "<" not in content and json.loads(content)
    scripts = [script for script in page.scripts if script not in data]
    assert len(scripts) == 1, page.scripts
    attributes, content = scripts[0]
    assert attributes["src"].startswith("/static/js/site") and not content.strip()
    assert len([tag for tag, _attributes in page.tags if tag == "title"]) == 1
    return page


@pytest.mark.parametrize("name", PAGES)
def test_attacks_in_every_field_are_shown_as_text(client, records, name):
    response = client.get(PAGES[name](records))
    assert response.status_code == 200
    text = response.content.decode()
    # The records are on the page (else the test proves nothing), escaped.
    assert MARKER in text
    assert html.escape(ATTACKS[1]) in text or html.escape(MEDIUM) in text
    assert_inert(text)


# Pages whose <title> and meta description show record text: (title, description), the
# description None where the page keeps the site's own.
HEAD = {
    "instrument": (PAYLOAD, PAYLOAD),
    "practice": (PAYLOAD, PAYLOAD),
    "institution": (PAYLOAD, None),
    "target group": (PAYLOAD, f"Programas e instrumentos para: {PAYLOAD}."),
    "thematic area": (f"Área 1: {MEDIUM}", PAYLOAD),
}


@pytest.mark.parametrize("name", HEAD)
def test_title_and_description_hold_the_whole_text(client, records, name):
    # A break-out would end the <title> or the attribute early and leave the rest of the
    # text as markup: getting the whole text back, as text, shows there was none.
    title, description = HEAD[name]
    page = assert_inert(client.get(PAGES[name](records)).content.decode())
    assert page.title == f"{title} · {SITE_NAME}"
    if description:
        assert page.description == description


def test_template_syntax_in_a_record_is_not_evaluated(client, records):
    text = client.get(records["instrument"].get_absolute_url()).content.decode()
    assert "{{ 7*7 }}" in text
    assert "{% now &quot;Y&quot; %}" in text


def test_the_search_highlight_escapes_around_the_marks(client, records):
    text = client.get(catalogue(q="script")).content.decode()
    # The matched word is marked inside the escaped tag, never turned back into one.
    assert "&lt;<mark>script</mark>&gt;alert(&quot;xss&quot;)&lt;/<mark>script</mark>&gt;" in text
    assert_inert(text)


def test_a_javascript_address_in_a_citation_is_not_a_link(client, records):
    # The models have no URL fields: citations are text, shown as text, never linked.
    text = client.get(records["instrument"].get_absolute_url()).content.decode()
    assert "javascript:alert(1)" in text
    links = [attributes.get("href", "") for tag, attributes in Page(text).tags if tag == "a"]
    assert links
    assert not [link for link in links if "javascript" in link.lower()]


@pytest.fixture
def editor_client(client, db):
    call_command("setup_roles", verbosity=0)
    editor = User.objects.create_user("editora", password="una-clave-larga", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editores"))
    client.force_login(editor)
    return client


def test_an_editor_saves_an_attack_in_the_admin_and_the_public_page_shows_it_as_text(
    editor_client, records
):
    instrument = records["instrument"]
    url = reverse("admin:programs_instrument_change", args=[instrument.pk])
    data = admin_form_data(editor_client.get(url))
    attack = "rubi <script>window.__pwned=1</script> \"><img src=x onerror=alert('admin')>"
    # In both languages: each field's Spanish (`_es_mx`) and English (`_en`).
    for field in ("name", "summary", "description", "citation"):
        data[f"{field}_es_mx"] = data[f"{field}_en"] = attack
    data["acronym"] = "<i onclick=x>"
    for field in ("measure", "unit"):
        data[f"key_figures-0-{field}_es_mx"] = data[f"key_figures-0-{field}_en"] = attack
    # A quote must occur in its source document, so an attack is refused there (the
    # records above, made without the admin, show a quote's markup stays text).
    source = str(shipped_source().pk)
    data.update({"source": source, "source_quote": "México"})
    data.update({"key_figures-0-source": source, "key_figures-0-source_quote": "México"})
    data["participations-0-citation_es_mx"] = attack
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    instrument.refresh_from_db()
    # Stored as typed: the page, not the admin, is what keeps it harmless.
    assert instrument.summary == attack
    assert instrument.key_figures.get().measure == attack

    editor_client.logout()
    for path in (instrument.get_absolute_url(), catalogue(q="rubi"), reverse("catalogue:home")):
        text = editor_client.get(path).content.decode()
        assert "rubi" in text
        # The search marks "rubi"; the rest of the text follows it, escaped.
        assert html.escape(attack.removeprefix("rubi")) in text
        assert "<script>window.__pwned" not in text
        assert "<img src=x" not in text
        assert "<i onclick" not in text
        assert_inert(text)
