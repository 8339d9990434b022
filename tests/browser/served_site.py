"""The public site with the shipped knowledge base, served once per test module.

pytest-django's `live_server` runs each test in a transactional database that is flushed
afterwards, so every test would load the fixtures again (seconds each). These modules only
read, so they serve the knowledge base the test run loaded (tests/conftest.py) from their
own live server, with an editor account they remove when the module is done.
"""

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.db.backends.base.creation import TEST_DATABASE_PREFIX
from django.test import Client, override_settings
from django.urls import reverse
from pytest_django.live_server_helper import LiveServer

from practices.models import ThematicArea
from programs.models import Institution, Instrument, TargetGroup

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# The program the journeys open, the law it rests on and the area and group it belongs to.
PROGRAM = "ptrm-2015"
LAW = "ley-de-migracion"
PROGRAM_GROUP = "migrantes-en-situacion-irregular"
PROGRAM_AREA = 6


# Every page type, by the names public_paths() and admin_paths() give them.
PUBLIC_PAGES = (
    "home",
    "areas",
    "area",
    "practice",
    "catalogue",
    "catalogue-filtered",
    "catalogue-empty",
    "place",
    "instrument",
    "law",
    "target-groups",
    "target-group",
    "institutions",
    "institution",
    "glossary",
    "timeline",
    "search",
    "search-no-results",
    "not-found",
    "compact-objectives",
    "compact-objective",
    "compact-matrix",
    "api-documentation",
    "about",
)
ADMIN_PAGES = ("admin-login", "admin-change-form")


@dataclass
class Site:
    url: str
    paths: dict = field(default_factory=dict)
    admin_cookie: dict = field(default_factory=dict)
    contexts: list = field(default_factory=list)

    def open(self, browser, viewport=DESKTOP, locale="es-MX", editor=False, **options):
        """A new tab in a fresh browser profile (its own cookies), with `viewport` and
        the language `locale` asks for; `editor` logs it into the admin."""
        context = browser.new_context(
            base_url=self.url, viewport=viewport, locale=locale, **options
        )
        if editor:
            context.add_cookies([{**self.admin_cookie, "url": self.url}])
        self.contexts.append(context)
        return context.new_page()

    def close(self):
        """Close every tab opened here: a connection a browser keeps open would outlive
        the server, and close the database connection it shares from another thread."""
        for context in self.contexts:
            context.close()
        self.contexts.clear()


class Tabs:
    """One tab per kind of reader (viewport, language, editor or not, colour scheme),
    opened when first asked for and kept until closed: a fresh browser context for every
    page would cost more than reading the page."""

    def __init__(self, site, browser):
        self.site, self.browser, self.opened = site, browser, {}

    def __call__(self, viewport=DESKTOP, locale="es-MX", editor=False, color_scheme="light"):
        key = (viewport["width"], viewport["height"], locale, editor, color_scheme)
        if key not in self.opened:
            self.opened[key] = self.site.open(
                self.browser,
                viewport=viewport,
                locale=locale,
                editor=editor,
                color_scheme=color_scheme,
            )
        return self.opened[key]

    def close(self):
        for page in self.opened.values():
            page.context.close()
        self.opened.clear()


def public_paths():
    """One page of every public page type, by name."""
    instrument = Instrument.objects.get(slug=PROGRAM)
    return {
        "home": "/",
        "areas": reverse("catalogue:area_list"),
        "area": ThematicArea.objects.get(number=PROGRAM_AREA).get_absolute_url(),
        "practice": instrument.practices.first().get_absolute_url(),
        "catalogue": reverse("catalogue:catalogue"),
        "catalogue-filtered": reverse("catalogue:catalogue")
        + f"?grupo={PROGRAM_GROUP}&tipo=programa",
        # Laws for migrants in an irregular situation in area 2: none, so the page
        # offers to drop one filter.
        "catalogue-empty": reverse("catalogue:catalogue")
        + f"?area=2&tipo=ley&grupo={PROGRAM_GROUP}",
        "instrument": instrument.get_absolute_url(),
        "law": Instrument.objects.get(slug=LAW).get_absolute_url(),
        "target-groups": reverse("catalogue:target_group_list"),
        "target-group": TargetGroup.objects.get(
            slug="ninas-ninos-y-adolescentes"
        ).get_absolute_url(),
        "institutions": reverse("catalogue:institution_list"),
        "institution": Institution.objects.get(slug="inm").get_absolute_url(),
        "glossary": reverse("programs:glossary"),
        "timeline": reverse("catalogue:timeline"),
        "search": reverse("catalogue:catalogue") + "?q=proteccion+ninos",
        "search-no-results": reverse("catalogue:catalogue") + "?q=zxqwv",
        "not-found": "/no-existe/",
        # Places have no page of their own: a place is a catalogue filter.
        "place": reverse("catalogue:catalogue") + "?lugar=MX",
        # The Global Compact's objectives (compact app).
        "compact-objectives": reverse("compact:objective_list"),
        "compact-objective": reverse("compact:objective", args=[5]),
        "compact-matrix": reverse("compact:matrix"),
        "api-documentation": reverse("api_documentation"),
        "about": reverse("catalogue:about"),
    }


def admin_paths():
    instrument = Instrument.objects.get(slug=PROGRAM)
    return {
        "admin-login": reverse("admin:login"),
        "admin-change-form": reverse("admin:programs_instrument_change", args=[instrument.pk]),
    }


def is_test_database():
    """Whether the default database is one that Django's test setup created."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return True
    return name == connection.settings_dict["TEST"]["NAME"] or name.startswith(TEST_DATABASE_PREFIX)


@contextmanager
def served_knowledge_base(django_db_blocker):
    """Create an editor, serve the site; remove the editor after.

    pytest-django creates the test database only for tests that ask for one, so the
    modules that use this mark their tests `django_db`; this refuses to go on, rather
    than write into the developer's own database, should one not."""
    with django_db_blocker.unblock():
        if not is_test_database():
            raise RuntimeError(
                f"Not a test database: {connection.settings_dict['NAME']}. "
                "Mark the tests that use served_knowledge_base with pytest.mark.django_db."
            )
        call_command("setup_roles", verbosity=0)
        editor = User.objects.create_user("editora", password="una-clave-larga", is_staff=True)
        editor.groups.add(Group.objects.get(name="Editores"))
        # Logged in without the login form, which django-axes watches; the admin login
        # page itself is still checked, as a page.
        client = Client()
        client.force_login(editor)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        paths = {**public_paths(), **admin_paths()}
        assert set(paths) == {*PUBLIC_PAGES, *ADMIN_PAGES}
        try:
            # The security middleware reads SECURE_SSL_REDIRECT once, when the server
            # builds it: this server speaks plain http, as tests/conftest.py's plain_http
            # arranges for the test client, so it must not redirect to https.
            with override_settings(SECURE_SSL_REDIRECT=False):
                server = LiveServer("localhost")
            server._live_server_modified_settings.enable()
            site = Site(
                url=server.url,
                paths=paths,
                admin_cookie={"name": cookie.key, "value": cookie.value},
            )
            try:
                yield site
            finally:
                site.close()
                wait_for_requests(server)
                server._live_server_modified_settings.disable()
                server.stop()
        finally:
            Session.objects.all().delete()
            editor.delete()
            Group.objects.filter(name="Editores").delete()
            # Django keeps a connection per asyncio context, and Playwright's running
            # loop makes this one: left open, it would stop the test database from
            # being dropped at the end of the session.
            connection.close()


def wait_for_requests(server, timeout=5):
    """Wait, up to `timeout` seconds, for the threads serving the browser's last requests
    and connections to end. One that ends after the server has stopped closes, from its
    own thread, the in-memory database connection it no longer shares, and the run
    reports that error as a warning on whichever test is running then."""
    serving = server.thread.httpd.process_request_thread
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        threads = threading.enumerate()
        if not any(getattr(thread, "_target", None) == serving for thread in threads):
            return
        time.sleep(0.05)


def no_horizontal_scroll(page):
    """Whether the page fits its viewport's width."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
