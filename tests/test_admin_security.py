"""The admin's defences: the login lockout, the admin's moved address, and who may read
and write what, checked view by view and write by write for every model the admin shows."""

import importlib.util
import os
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

import config.urls
from compact.models import GuidingPrinciple, Objective, ObjectiveLink, SDGTarget
from core.records import PublicationStatus
from core.search.vocabulary import Synonym
from core.sources import Source
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
# On SQLite only: who may do what, and who is locked out, is decided by the admin, the
# permissions and django-axes through the ORM, the same code on both databases; the
# PostgreSQL run carries the generated-input tests (tests/conftest.py).
pytestmark = [pytest.mark.usefixtures("empty_database"), pytest.mark.sqlite]

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Clave-de-prueba-2024"
HOME = "203.0.113.5"  # documentation addresses (RFC 5737)
ELSEWHERE = "198.51.100.7"
LOCKOUT_TITLE = "Acceso bloqueado temporalmente"
LIMIT = 5  # failed logins, by default


# --- Login lockout -----------------------------------------------------------------------


def log_in(client, username, password, address=HOME):
    """Post the admin's own login form, as a browser at `address` would."""
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
    )


def logged_in(client):
    return "_auth_user_id" in client.session


def assert_logged_in(client, response):
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert logged_in(client)
    assert client.get(reverse("admin:index")).status_code == 200


def assert_refused(client, response):
    """The login form again, with its error, and no session."""
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not logged_in(client)


def assert_locked_out(client, response):
    assert response.status_code == 429
    assert LOCKOUT_TITLE in response.content.decode()
    assert not logged_in(client)
    admin_index = client.get(reverse("admin:index"))
    assert admin_index.status_code == 302
    assert admin_index["Location"].startswith(reverse("admin:login"))


def fail(client, username, times, address=HOME):
    """`times` wrong passwords; none of them locks the account yet."""
    for _ in range(times):
        assert_refused(client, log_in(client, username, "contraseña-equivocada", address))


@pytest.fixture
def staff_member(db, settings):
    """A staff account. The tests count failures to the production default, whatever this
    environment's DJANGO_LOGIN_FAILURE_LIMIT says."""
    settings.AXES_FAILURE_LIMIT = LIMIT
    return User.objects.create_user("editora", password=PASSWORD, is_staff=True)


def lock_out(client, username, limit):
    """The last allowed failure is itself answered with the lockout page."""
    fail(client, username, limit - 1)
    assert_locked_out(client, log_in(client, username, "contraseña-equivocada"))


@pytest.mark.parametrize("limit", [3, 5])
def test_failed_logins_lock_out_even_the_right_password(client, settings, staff_member, limit):
    settings.AXES_FAILURE_LIMIT = limit
    lock_out(client, "editora", limit)
    assert_locked_out(client, log_in(client, "editora", PASSWORD))


def test_the_lockout_holds_only_that_username_from_that_address(client, staff_member):
    User.objects.create_user("otra", password=PASSWORD, is_staff=True)
    lock_out(client, "editora", LIMIT)

    elsewhere = Client()
    assert_logged_in(elsewhere, log_in(elsewhere, "editora", PASSWORD, address=ELSEWHERE))
    colleague = Client()
    assert_logged_in(colleague, log_in(colleague, "otra", PASSWORD))
    # Neither success lifted the lockout of the pair that failed.
    assert_locked_out(client, log_in(client, "editora", PASSWORD))


def test_a_successful_login_starts_the_count_again(client, staff_member):
    fail(client, "editora", LIMIT - 1)
    assert_logged_in(client, log_in(client, "editora", PASSWORD))
    client.logout()
    fail(client, "editora", LIMIT - 1)
    assert_logged_in(client, log_in(client, "editora", PASSWORD))


def minutes_pass(minutes):
    """Move the recorded failures `minutes` into the past."""
    attempts = AccessAttempt.objects.filter(username="editora", ip_address=HOME)
    attempts.update(attempt_time=attempts.get().attempt_time - timedelta(minutes=minutes))


def test_the_lockout_ends_fifteen_minutes_after_the_failure_that_caused_it(client, staff_member):
    lock_out(client, "editora", LIMIT)
    # Trying again during the lockout, rightly or wrongly, is refused and does not start
    # the fifteen minutes over: one try every few minutes cannot keep it locked for ever.
    minutes_pass(7)
    assert_locked_out(client, log_in(client, "editora", "contraseña-equivocada"))
    minutes_pass(7)
    assert_locked_out(client, log_in(client, "editora", PASSWORD))

    minutes_pass(2)
    assert_logged_in(client, log_in(client, "editora", PASSWORD))


# Behind the TLS proxy every request comes from the proxy's address; the proxy appends
# the address its client connected from to X-Forwarded-For (README, Deployment).
PROXY = "127.0.0.1"


def through_proxy(client, username, password, address, sent=None):
    """Log in as a browser at `address` would through one proxy; `sent` is whatever
    X-Forwarded-For the browser itself sent, which the proxy keeps and appends to."""
    forwarded = f"{sent}, {address}" if sent else address
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.fixture
def one_proxy(settings):
    settings.TRUSTED_PROXIES = 1


def test_behind_the_proxy_a_lockout_holds_only_the_address_that_failed(
    client, staff_member, one_proxy
):
    for _ in range(LIMIT - 1):
        assert_refused(client, through_proxy(client, "editora", "mala", HOME))
    assert_locked_out(client, through_proxy(client, "editora", "mala", HOME))
    assert_locked_out(client, through_proxy(client, "editora", PASSWORD, HOME))

    # The same editor, from another address, through the same proxy.
    elsewhere = Client()
    assert_logged_in(elsewhere, through_proxy(elsewhere, "editora", PASSWORD, ELSEWHERE))
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {HOME}


def test_behind_the_proxy_an_address_the_client_sends_changes_nothing(
    client, staff_member, one_proxy
):
    # Each try claims another address; the proxy's own entry is the one counted.
    for n in range(LIMIT - 1):
        response = through_proxy(client, "editora", "mala", HOME, sent=f"192.0.2.{n}")
        assert_refused(client, response)
    response = through_proxy(client, "editora", PASSWORD, HOME, sent="192.0.2.99")
    assert_logged_in(client, response)
    client.logout()
    for n in range(LIMIT):
        through_proxy(client, "editora", "mala", HOME, sent=f"198.51.100.{n}")
    assert_locked_out(client, through_proxy(client, "editora", PASSWORD, HOME, sent=ELSEWHERE))


@pytest.mark.parametrize("forwarded", ["", "no-es-una-direccion", "203.0.113.5; DROP TABLE"])
def test_behind_the_proxy_a_missing_or_broken_header_counts_the_connecting_address(
    client, staff_member, one_proxy, forwarded
):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    for _ in range(LIMIT):
        client.post(
            reverse("admin:login"),
            {"username": "editora", "password": "mala"},
            REMOTE_ADDR=PROXY,
            **extra,
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {PROXY}


def test_without_proxies_x_forwarded_for_is_ignored(client, staff_member):
    # A client reaching the site directly could otherwise pick any address it likes.
    for n in range(LIMIT - 1):
        response = client.post(
            reverse("admin:login"),
            {"username": "editora", "password": "mala"},
            REMOTE_ADDR=HOME,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
        assert_refused(client, response)
    assert_locked_out(
        client,
        client.post(
            reverse("admin:login"),
            {"username": "editora", "password": "mala"},
            REMOTE_ADDR=HOME,
            HTTP_X_FORWARDED_FOR="192.0.2.99",
        ),
    )


@pytest.mark.parametrize(
    "proxies, cases",
    [
        # The README's setup: one proxy, which appends its client's address.
        ("1", [("203.0.113.5", "203.0.113.5"), ("192.0.2.1, 203.0.113.5", "203.0.113.5")]),
        # Two proxies: the outer one appended the client, the inner one the outer proxy.
        # Fewer entries than proxies: not through the proxies, so the connecting address.
        (
            "2",
            [
                ("192.0.2.1, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
                ("2001:db8::1, 10.0.0.2", "2001:db8::1"),
                ("203.0.113.5", "127.0.0.1"),
            ],
        ),
        ("0", [("192.0.2.1, 203.0.113.5", "127.0.0.1")]),
        ("", [("192.0.2.1, 203.0.113.5", "127.0.0.1")]),
    ],
)
def test_the_client_address_follows_django_trusted_proxies(proxies, cases):
    """As the site starts, from the environment the README's Deployment section sets (one
    start for each setting, which then answers every header)."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    headers = [forwarded for forwarded, _ in cases]
    code = (
        "from django.test import RequestFactory; from axes.helpers import get_client_ip_address\n"
        f"for forwarded in {headers!r}:\n"
        "    request = RequestFactory().get('/', REMOTE_ADDR='127.0.0.1', "
        "HTTP_X_FORWARDED_FOR=forwarded)\n"
        "    print(get_client_ip_address(request))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SECRET_KEY": "x", "DJANGO_TRUSTED_PROXIES": proxies},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [expected for _, expected in cases]


def test_an_administrator_can_lift_lockouts_with_axes_reset(client, staff_member, capsys):
    lock_out(client, "editora", LIMIT)
    call_command("axes_reset")
    assert "1 attempts removed." in capsys.readouterr().out
    assert_logged_in(client, log_in(client, "editora", PASSWORD))


def test_inactive_staff_cannot_log_in(client, staff_member):
    staff_member.is_active = False
    staff_member.save()
    assert_refused(client, log_in(client, "editora", PASSWORD))


def test_users_who_are_not_staff_cannot_enter_the_admin(client, db):
    reader = User.objects.create_user("lectora", password=PASSWORD)
    assert_refused(client, log_in(client, "lectora", PASSWORD))

    client.force_login(reader)
    for url in (reverse("admin:index"), reverse("admin:programs_instrument_changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


# --- The admin's address -------------------------------------------------------------------

MOVED = "gestion-x7"


@pytest.fixture
def admin_moved(settings):
    """config/urls.py as the site loads it with the admin moved to /gestion-x7/. The
    module is read at import time, so it is loaded afresh under another name; the real
    config.urls stays as it is for the other tests."""
    settings.ADMIN_PATH = MOVED
    name = "tests.moved_admin_urls"
    spec = importlib.util.spec_from_file_location(name, config.urls.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[name] = module
    settings.ROOT_URLCONF = name  # pytest-django clears the URL caches both ways
    yield
    del sys.modules[name]


def test_the_moved_admin_answers_at_its_path_and_admin_is_gone(client, admin_moved, db):
    User.objects.create_superuser("jefa", password=PASSWORD)
    index = client.get(f"/{MOVED}/")
    assert index.status_code == 302
    assert index["Location"].startswith(f"/{MOVED}/login/")
    login_page = client.get(f"/{MOVED}/login/")
    assert login_page.status_code == 200
    assert 'name="password"' in login_page.content.decode()
    for url in ("/admin/", "/admin/login/", "/admin/programs/instrument/"):
        assert client.get(url).status_code == 404, url

    response = client.post(
        f"/{MOVED}/login/", {"username": "jefa", "password": PASSWORD, "next": f"/{MOVED}/"}
    )
    assert response["Location"] == f"/{MOVED}/"
    assert client.get(f"/{MOVED}/programs/instrument/").status_code == 200
    assert client.post("/admin/login/", {"username": "jefa", "password": "x"}).status_code == 404


@pytest.mark.parametrize(
    "environment, expected",
    [
        ({}, f"{LIMIT} /admin/"),
        ({"DJANGO_LOGIN_FAILURE_LIMIT": "3", "DJANGO_ADMIN_PATH": f"/{MOVED}/"}, f"3 /{MOVED}/"),
    ],
)
def test_the_failure_limit_and_admin_path_come_from_the_environment(environment, expected):
    """As the site starts: settings read once, the admin's URL built from them."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    code = (
        "from django.conf import settings; from django.urls import reverse; "
        "print(settings.AXES_FAILURE_LIMIT, reverse('admin:index'))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SECRET_KEY": "x", **environment},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


# --- Who may do what -----------------------------------------------------------------------

ROLES = ["anonymous", "staff", "reader", "editor", "administrator"]
ALL = frozenset({"view", "add", "change", "delete"})
EDIT = frozenset({"view", "add", "change"})
# What an editor (the group `setup_roles` makes) may do: write content, delete only what
# is cheap to lose (drafts, inline rows, synonyms), nothing about accounts.
EDITOR_MAY = {
    "programs.Place": EDIT,
    "programs.Institution": EDIT,
    "programs.TargetGroup": EDIT,
    "programs.Instrument": ALL,  # drafts only; see test_roles.py
    "programs.KeyFigure": ALL,
    "programs.Participation": ALL,
    "core.Synonym": ALL,
    "core.Source": EDIT,
    "practices.ThematicArea": EDIT,
    "practices.Practice": ALL,  # drafts only
    "compact.Objective": EDIT,
    "compact.GuidingPrinciple": EDIT,
    "compact.SDGTarget": EDIT,
    "compact.ObjectiveLink": ALL,  # an editorial classification editors may undo
    "auth.User": frozenset(),
    "auth.Group": frozenset(),
}
CONTENT = [label for label in EDITOR_MAY if not label.startswith("auth.")]
# The login records django-axes shows administrators.
LOGIN_RECORDS = ["axes.AccessAttempt", "axes.AccessFailureLog", "axes.AccessLog"]

# A new record of each kind, as posted to the add form on top of an existing record's data:
# these values are unique, and find it afterwards.
# The admin's forms name each language's field: `name_es_mx` is the Spanish `name`.
NEW = {
    "programs.Place": {"code": "ZZ", "name_es_mx": "Lugar nuevo"},
    "programs.Institution": {
        "slug": "institucion-nueva",
        "acronym": "INUEVA",
        "name_es_mx": "Institución nueva",
    },
    "programs.TargetGroup": {"slug": "grupo-nuevo", "name_es_mx": "Grupo nuevo"},
    "programs.Instrument": {
        "slug": "instrumento-nuevo",
        "acronym": "INUEVO",
        "name_es_mx": "Instrumento nuevo",
    },
    "programs.KeyFigure": {"slug": "cifra-nueva", "measure_es_mx": "Cifra nueva"},
    "programs.Participation": {"role": Role.FUNDER, "citation_es_mx": "Participación nueva."},
    "core.Synonym": {"terms": "nuevos, recientes"},
    "core.Source": {"slug": "fuente-nueva", "title_es_mx": "Fuente nueva"},
    "practices.ThematicArea": {"number": 3, "slug": "area-nueva", "title_es_mx": "Área nueva"},
    "practices.Practice": {
        "slug": "practica-nueva",
        "position": 3,
        "title_es_mx": "Práctica nueva",
    },
    "compact.Objective": {"number": 23, "short_title_es": "Objetivo nuevo"},
    "compact.GuidingPrinciple": {"number": 10, "title_es": "Principio nuevo"},
    "compact.SDGTarget": {"code": "17.19", "text_es": "Meta nueva"},
    # Its objective, which must differ from the copied link's, is the records' own.
    "compact.ObjectiveLink": {"rationale_es_mx": "Vínculo nuevo"},
}
# The field each change posts.
EDITED = {
    "programs.Place": "name_es_mx",
    "programs.Institution": "name_es_mx",
    "programs.TargetGroup": "name_es_mx",
    "programs.Instrument": "name_es_mx",
    "programs.KeyFigure": "measure_es_mx",
    "programs.Participation": "citation_es_mx",
    "core.Synonym": "terms",
    "core.Source": "title_es_mx",
    "practices.ThematicArea": "title_es_mx",
    "practices.Practice": "title_es_mx",
    "compact.Objective": "short_title_es",
    "compact.GuidingPrinciple": "title_es",
    "compact.SDGTarget": "text_es",
    "compact.ObjectiveLink": "rationale_es_mx",
}
CHANGED_VALUE = "Cambiado por la prueba"


def may(role, label):
    if role == "administrator":
        return ALL
    if role == "editor":
        return EDITOR_MAY[label]
    if role == "reader":
        return frozenset({"view"}) if label in CONTENT else frozenset()
    return frozenset()


def test_every_model_in_the_admin_is_in_the_matrix():
    """A model newly shown in the admin must be placed in the matrix above."""
    registered = {model._meta.label for model in admin.site._registry}
    assert registered == set(EDITOR_MAY) | set(LOGIN_RECORDS)


class Records:
    """One record of each kind in the admin, and a spare one with nothing resting on it,
    which the delete and revert checks use."""

    def __init__(self):
        call_command("setup_roles", verbosity=0)
        # A quote must occur in its source's text.
        shipped = shipped_source()
        source = {"source_quote": "México", "source": shipped}
        mexico = Place.objects.create(code="MX", name="México", kind=PlaceKind.COUNTRY, **source)
        guatemala = Place.objects.create(
            code="GT", name="Guatemala", kind=PlaceKind.COUNTRY, **source
        )
        inm = Institution.objects.create(
            slug="inm",
            name="Instituto Nacional de Migración",
            acronym="INM",
            kind=InstitutionKind.FEDERAL_GOVERNMENT,
            country=mexico,
            **source,
        )
        spare_institution = Institution.objects.create(
            slug="comar",
            name="Comisión Mexicana de Ayuda a Refugiados",
            kind=InstitutionKind.OTHER,
            **source,
        )
        women = TargetGroup.objects.create(slug="mujeres", name="Mujeres", **source)
        children = TargetGroup.objects.create(slug="ninas-y-ninos", name="Niñas y niños", **source)
        law = Instrument.objects.create(
            slug="ley-de-migracion",
            name="Ley de Migración",
            acronym="LM",
            kind=InstrumentKind.LAW,
            summary="La ley.",
            publication_status=PublicationStatus.PUBLISHED,
            **source,
        )
        draft = Instrument.objects.create(
            slug="programa-borrador",
            name="Programa en borrador",
            kind=InstrumentKind.PROGRAM,
            summary="Un borrador.",
            **source,
        )
        for instrument in (law, draft):
            instrument.target_groups.add(women)
            instrument.places.add(mexico)
        figure = {"value": Decimal("10"), "unit": "personas", **source}
        area = ThematicArea.objects.create(
            number=1, slug="area-1", title="Derechos", resolution_text="Texto.", **source
        )
        practice = {"area": area, "summary": "Resumen.", "body": "Texto.", **source}
        practices = [
            Practice.objects.create(
                position=1,
                slug="practica",
                title="Práctica",
                publication_status=PublicationStatus.PUBLISHED,
                **practice,
            ),
            Practice.objects.create(position=2, slug="borrador", title="Borrador", **practice),
        ]
        for record in practices:
            record.instruments.add(law)
        pairs = {
            "programs.Place": (mexico, guatemala),
            "programs.Institution": (inm, spare_institution),
            "programs.TargetGroup": (women, children),
            "programs.Instrument": (law, draft),
            "programs.KeyFigure": tuple(
                KeyFigure.objects.create(instrument=law, slug=slug, measure=slug, **figure)
                for slug in ("beneficiados", "solicitudes")
            ),
            "programs.Participation": tuple(
                Participation.objects.create(instrument=law, institution=inm, role=role)
                for role in (Role.LEAD, Role.COORDINATOR)
            ),
            "core.Synonym": tuple(
                Synonym.objects.create(terms=terms)
                for terms in ("retornados, repatriados", "albergue, refugio")
            ),
            "core.Source": (
                shipped,
                Source.objects.create(
                    slug="otra", title="Otra fuente", issuer="Otro país", language="es"
                ),
            ),
            "practices.ThematicArea": (
                area,
                ThematicArea.objects.create(
                    number=2, slug="area-2", title="Acceso", resolution_text="Texto.", **source
                ),
            ),
            "practices.Practice": tuple(practices),
            "auth.User": (
                User.objects.create_user("destino", password=PASSWORD, is_staff=True),
                User.objects.create_user("sobrante", password=PASSWORD, is_staff=True),
            ),
            "auth.Group": (Group.objects.get(name="Editores"), Group.objects.create(name="Otro")),
        }
        pairs.update(self.compact_records(practices[0], law))
        self.main = {label: pair[0] for label, pair in pairs.items()}
        self.spare = {label: pair[1] for label, pair in pairs.items()}

    def compact_records(self, practice, instrument):
        """The Compact's vocabularies and two crosswalk links; a third objective, linked to
        nothing, which the add form's new link points to."""
        official = {"source_url": "https://www.un.org/es/ga/search/view_doc.asp"}
        objectives = [
            Objective.objects.create(
                number=number,
                short_title_es=f"Objetivo {number}",
                short_title_en=f"Objective {number}",
                title_es=f"Objetivo {number}.",
                title_en=f"Objective {number}.",
                **official,
            )
            for number in (1, 2, 3)
        ]
        self.new_link_objective = objectives[2]
        link = {"objective": objectives[0], "rationale": "Porque sí.", "source_quote": "México"}
        link["source"] = shipped_source()
        principle = {"title_en": "Principle", **official}
        target = {"text_en": "Target.", **official}
        return {
            "compact.Objective": tuple(objectives[:2]),
            "compact.GuidingPrinciple": tuple(
                GuidingPrinciple.objects.create(
                    number=number, title_es=f"Principio {number}", **principle
                )
                for number in (1, 2)
            ),
            "compact.SDGTarget": tuple(
                SDGTarget.objects.create(code=code, goal=10, text_es=f"Meta {code}.", **target)
                for code in ("10.7", "10.c")
            ),
            "compact.ObjectiveLink": (
                ObjectiveLink.objects.create(practice=practice, **link),
                ObjectiveLink.objects.create(instrument=instrument, **link),
            ),
        }


@pytest.fixture
def records(db):
    return Records()


@pytest.fixture
def administrator(db):
    """A superuser's client, which reads the forms whose data the other roles post."""
    client = Client()
    client.force_login(User.objects.create_superuser("jefa", password=PASSWORD))
    return client


def acting_user(role):
    """The user `role` names, logged in by the test client; None for anonymous visitors."""
    if role == "anonymous":
        return None
    if role == "administrator":
        return User.objects.create_superuser("administradora", password=PASSWORD)
    user = User.objects.create_user(f"rol-{role}", password=PASSWORD, is_staff=True)
    if role == "reader":
        user.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label__in=["core", "programs", "practices", "compact"],
                codename__startswith="view_",
            )
        )
    if role == "editor":
        user.groups.add(Group.objects.get(name="Editores"))
    return user


def admin_url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def database_state():
    """Every row of the accounts, the content, its history and the admin's log."""
    state = {}
    for app in ("auth", "admin", "programs", "practices", "compact"):
        for model in apps.get_app_config(app).get_models(include_auto_created=True):
            state[model._meta.label] = list(model._base_manager.order_by("pk").values())
    return state


def changed_tables(before):
    after = database_state()
    return sorted(label for label in before if before[label] != after[label])


def form_data(administrator, record):
    """What the record's change form posts, read as an administrator sees it."""
    response = administrator.get(admin_url(record, "change", record.pk))
    assert response.status_code == 200
    return admin_form_data(response), response


def new_record_data(label, record_form, records):
    """Valid data for the add form: an existing record's, without its inline rows, made
    unique."""
    data, response = dict(record_form[0]), record_form[1]
    for inline in response.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data = {key: value for key, value in data.items() if not key.startswith(f"{prefix}-")}
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    if label == "compact.ObjectiveLink":
        data["objective"] = str(records.new_link_objective.pk)
    return {**data, **NEW[label]}


def all_permissions():
    return list(Permission.objects.values_list("pk", flat=True))


def superuser_data(user):
    """The user change form's fields, filled in to make `user` an all-powerful superuser."""
    return {
        "username": user.username,
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": list(Group.objects.values_list("pk", flat=True)),
        "user_permissions": all_permissions(),
        "date_joined_0": "2024-01-01",
        "date_joined_1": "00:00:00",
    }


def writes(label, records, administrator, user):
    """Each write the admin offers for `label`, as (name, permission it needs, url, data,
    whether it took effect)."""
    model = apps.get_model(label)
    main, spare = records.main[label], records.spare[label]
    if label == "auth.User":
        # Staff try to raise themselves; administrators show the same data is accepted.
        target = user if user is not None and not user.is_superuser else main
        yield (
            "add",
            "add",
            admin_url(model, "add"),
            {
                "username": "intrusa",
                "usable_password": "true",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
            lambda: User.objects.filter(username="intrusa").exists(),
        )
        yield (
            "change",
            "change",
            admin_url(model, "change", target.pk),
            superuser_data(target),
            lambda: User.objects.get(pk=target.pk).is_superuser,
        )
    elif label == "auth.Group":
        yield (
            "add",
            "add",
            admin_url(model, "add"),
            {"name": "Intrusos", "permissions": all_permissions()},
            lambda: Group.objects.filter(name="Intrusos").exists(),
        )
        # The editors' own group, given every permission there is.
        yield (
            "change",
            "change",
            admin_url(model, "change", main.pk),
            {"name": main.name, "permissions": all_permissions()},
            lambda: main.permissions.count() == Permission.objects.count(),
        )
    else:
        field = EDITED[label]

        def edited(record):
            return lambda: getattr(model.objects.get(pk=record.pk), field) == CHANGED_VALUE

        main_form = form_data(administrator, main)
        yield (
            "add",
            "add",
            admin_url(model, "add"),
            new_record_data(label, main_form, records),
            lambda: model.objects.filter(**NEW[label]).exists(),
        )
        yield (
            "change",
            "change",
            admin_url(model, "change", main.pk),
            {**main_form[0], field: CHANGED_VALUE},
            edited(main),
        )
        # Reverting to an old version from the history writes as a change does.
        if hasattr(model, "history"):
            yield (
                "revert",
                "change",
                admin_url(model, "simple_history", spare.pk, spare.history.earliest().history_id),
                {**form_data(administrator, spare)[0], field: CHANGED_VALUE},
                edited(spare),
            )
    yield (
        "delete",
        "delete",
        admin_url(model, "delete", spare.pk),
        {"post": "yes"},
        lambda: not model.objects.filter(pk=spare.pk).exists(),
    )


def form_errors(response):
    """What a form sent back with errors complained of, to explain a failed write."""
    adminform = response.context.get("adminform") if response.context else None
    return adminform.form.errors if adminform else None


def assert_turned_away(role, response, what):
    if role == "anonymous":
        assert response.status_code == 302, what
        assert response["Location"].startswith(reverse("admin:login")), what
    else:
        assert response.status_code == 403, what


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("label", list(EDITOR_MAY))
def test_each_role_reads_and_writes_exactly_what_it_may(
    client, records, administrator, label, role
):
    model = apps.get_model(label)
    allowed = may(role, label)
    user = acting_user(role)
    if user is not None:
        client.force_login(user)
    main, spare = records.main[label], records.spare[label]
    pages = [
        ("changelist", {"view", "change"}, admin_url(model, "changelist")),
        ("add", {"add"}, admin_url(model, "add")),
        ("change", {"view", "change"}, admin_url(model, "change", main.pk)),
        ("delete", {"delete"}, admin_url(model, "delete", spare.pk)),
    ]
    if hasattr(model, "history"):
        pages.append(("history", {"view", "change"}, admin_url(model, "history", main.pk)))
    for view, needs, url in pages:
        response = client.get(url)
        if allowed & needs:
            assert response.status_code == 200, view
        else:
            assert_turned_away(role, response, view)

    for name, needs, url, data, took_effect in writes(label, records, administrator, user):
        before = database_state()
        response = client.post(url, data)
        if needs in allowed:
            assert response.status_code == 302, (name, form_errors(response))
            assert took_effect(), name
        else:
            assert_turned_away(role, response, name)
            assert changed_tables(before) == [], name
            assert not took_effect(), name


@pytest.mark.parametrize("role", ["staff", "reader", "editor"])
def test_login_records_are_for_administrators_only(client, records, role):
    client.force_login(acting_user(role))
    for label in LOGIN_RECORDS:
        assert client.get(admin_url(apps.get_model(label), "changelist")).status_code == 403


def test_administrators_see_the_login_records(administrator):
    for label in LOGIN_RECORDS:
        url = admin_url(apps.get_model(label), "changelist")
        assert administrator.get(url).status_code == 200


def test_staff_without_rights_find_an_empty_admin(client, records):
    client.force_login(acting_user("staff"))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert response.context["app_list"] == []


def test_editors_hold_no_permission_over_accounts_or_logins(records):
    editor = acting_user("editor")
    permissions = editor.get_all_permissions()
    assert permissions  # the group exists and grants something
    assert {permission.split(".")[0] for permission in permissions} == {
        "core",
        "programs",
        "practices",
        "compact",
    }
    assert not editor.is_superuser


@pytest.mark.parametrize("role", ["staff", "reader", "editor", "administrator"])
def test_only_administrators_set_other_peoples_passwords(client, records, role):
    client.force_login(acting_user(role))
    target = records.main["auth.User"]
    response = client.post(
        admin_url(User, "password_change", target.pk),
        {"usable_password": "true", "password1": "Otra-clave-2024", "password2": "Otra-clave-2024"},
    )
    target.refresh_from_db()
    if role == "administrator":
        assert response.status_code == 302
        assert target.check_password("Otra-clave-2024")
    else:
        assert response.status_code == 403
        assert target.check_password(PASSWORD)


@pytest.mark.parametrize("role", ["editor", "administrator"])
def test_bulk_deletion_spares_published_records_unless_an_administrator_asks(client, records, role):
    client.force_login(acting_user(role))
    published = Instrument.objects.create(
        slug="suelto",
        name="Instrumento publicado sin dependientes",
        kind=InstrumentKind.PROGRAM,
        summary="Suelto.",
        source_quote="México",
        source=shipped_source(),
        publication_status=PublicationStatus.PUBLISHED,
    )
    selected = [published, records.spare["programs.Instrument"]]  # with a draft
    response = client.post(
        admin_url(Instrument, "changelist"),
        {
            "action": "delete_selected",
            "post": "yes",
            "_selected_action": [str(instrument.pk) for instrument in selected],
        },
    )
    remaining = Instrument.objects.filter(pk__in=[instrument.pk for instrument in selected])
    if role == "administrator":
        assert response.status_code == 302
        assert not remaining.exists()
    else:
        # The whole selection is refused, the draft with the published record.
        assert response.status_code == 403
        assert remaining.count() == 2
