"""The page cache and conditional GET as readers and editors meet them: a public page is
answered from the cache, yet never from before an edit (fields, links, deletions, publishing),
whichever way the edit was made; browsers revalidate and get 304 only while nothing changed;
each language has its own copy; signed-in staff always get a fresh page, and drafts never
reach the public."""

import datetime
import re
import threading
import time
import uuid
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import caching
from core.records import PublicationStatus
from core.release import release
from core.revision import ContentRevision
from core.search import engine
from programs.models import Instrument, TargetGroup
from tests.helpers import admin_form_data

pytestmark = pytest.mark.usefixtures("knowledge_base")

CATALOGUE = "/instrumentos/"
CHANGELIST = reverse("admin:programs_instrument_changelist")
PTAT = "programa-de-trabajadores-agricolas-temporales-mexico-canada"
PTAT_NAME = "Programa de Trabajadores Agrícolas Temporales México-Canadá"
FARM_WORKERS = "/grupos/trabajadores-agricolas/"
WOMEN = "mujeres"  # only the Ley de Migración is for this group
DRAFT_BANNER = "Este registro no es público"


@pytest.fixture(autouse=True)
def page_cache_on(page_cache_off, settings):
    """The page cache as in production, empty at the start (it outlives a test's
    database transaction)."""
    settings.PAGE_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def editor():
    """A member of the editors' group, signed in on a browser of their own."""
    call_command("setup_roles", verbosity=0)
    user = User.objects.create_user("editora", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Editores"))
    browser = Client()
    browser.force_login(user)
    return browser


def instrument_url(slug):
    return reverse("programs:instrument", args=[slug])


def page(client, url, status=200, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == status, url
    return response.content.decode()


def total(html):
    """The number of results a catalogue page announces."""
    return int(re.search(r'<h2 id="resultados">(\d+) ', html).group(1))


def facet_count(html, name):
    """The count next to option `name` of a catalogue facet, 0 when it is not offered."""
    found = re.search(rf"> {re.escape(name)} <span class=\"count\"[^>]*>(\d+)</span>", html)
    return int(found.group(1)) if found else 0


def save_in_admin(browser, instrument, **changes):
    """Open the instrument's admin change form and save it with `changes`."""
    url = reverse("admin:programs_instrument_change", args=[instrument.pk])
    data = admin_form_data(browser.get(url))
    data.update(changes)
    response = browser.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def run_action(browser, action, instrument):
    response = browser.post(CHANGELIST, {"action": action, "_selected_action": [instrument.pk]})
    assert response.status_code == 302


# 1. Served from the cache ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/",
        CATALOGUE,
        f"{CATALOGUE}?q=trabajadores&tipo=programa",
        instrument_url(PTAT),
        FARM_WORKERS,
        reverse("catalogue:area", args=["trabajo-decente-movilidad-laboral-y-migracion-regular"]),
        reverse("catalogue:timeline"),
    ],
)
def test_a_public_page_is_served_from_the_cache(client, django_assert_max_num_queries, url):
    with CaptureQueriesContext(connection) as rendering:
        first = client.get(url)
    assert first.status_code == 200
    assert len(rendering) > 1
    # The next reader costs one query: the revision that keys the cached copy.
    with django_assert_max_num_queries(1):
        second = Client().get(url)
    assert second.status_code == 200
    assert second.content == first.content


def test_a_new_build_never_serves_the_previous_builds_page(client, monkeypatch):
    """The page cache outlives a deploy: a page the previous build rendered (pointing at
    its stylesheet, say) is rendered again by the new one, not served from the cache."""
    client.get(CATALOGUE)
    with CaptureQueriesContext(connection) as same_build:
        Client().get(CATALOGUE)
    monkeypatch.setenv("DJANGO_RELEASE", "the-next-build")
    release.cache_clear()
    try:
        with CaptureQueriesContext(connection) as next_build:
            assert Client().get(CATALOGUE).status_code == 200
    finally:
        release.cache_clear()
    assert len(same_build) == 1 and len(next_build) > 1


def test_each_address_has_its_own_copy(client):
    everything = page(client, CATALOGUE)
    laws = page(client, f"{CATALOGUE}?tipo=ley")
    assert total(everything) == 45 and total(laws) == 3
    assert total(page(client, CATALOGUE)) == 45
    assert total(page(client, f"{CATALOGUE}?tipo=ley")) == 3
    assert total(page(client, f"{CATALOGUE}?tipo=ley&tipo=reglamento")) == 4


# 2. Never stale after an edit ------------------------------------------------------------


def test_a_renamed_instrument_shows_its_new_name_everywhere(client, editor):
    ptat = Instrument.objects.get(slug=PTAT)
    assert f"<h1>{PTAT_NAME}" in page(client, instrument_url(PTAT))
    assert f">{PTAT_NAME} (PTAT)</a>" in page(client, FARM_WORKERS)
    assert total(page(client, f"{CATALOGUE}?q=arandano")) == 0

    renamed = "Programa Arándano de Trabajo Agrícola Temporal"
    save_in_admin(editor, ptat, name_es_mx=renamed)

    assert f"<h1>{renamed}" in page(client, instrument_url(PTAT))
    html = page(client, FARM_WORKERS)
    assert f">{renamed} (PTAT)</a>" in html
    assert f">{PTAT_NAME} (PTAT)</a>" not in html
    found = page(client, f"{CATALOGUE}?q=arandano")
    assert total(found) == 1 and instrument_url(PTAT) in found


def test_removing_a_target_group_updates_the_group_page_and_the_facet(client, editor):
    law = Instrument.objects.get(acronym="LM")
    women = TargetGroup.objects.get(slug=WOMEN)
    group_url = women.get_absolute_url()
    assert law.get_absolute_url() in page(client, group_url)
    assert total(page(client, group_url)) == 1
    assert facet_count(page(client, CATALOGUE), "Mujeres") == 1
    assert "Mujeres" in page(client, law.get_absolute_url())

    url = reverse("admin:programs_instrument_change", args=[law.pk])
    data = admin_form_data(editor.get(url))
    groups = [pk for pk in data["target_groups"] if int(pk) != women.pk]
    assert len(groups) == len(data["target_groups"]) - 1
    data["target_groups"] = groups
    assert editor.post(url, data).status_code == 302

    html = page(client, group_url)
    assert total(html) == 0
    assert law.get_absolute_url() not in html
    assert facet_count(page(client, CATALOGUE), "Mujeres") == 0
    assert women.get_absolute_url() not in page(client, law.get_absolute_url())


def test_links_changed_without_saving_the_record_take_effect(client):
    """A link changed from either side, as a script or a data migration does it, with no
    save of the record (the admin always saves it too)."""
    law = Instrument.objects.get(acronym="LM")
    women = TargetGroup.objects.get(slug=WOMEN)
    practice = law.practices.published().first()
    assert law.get_absolute_url() in page(client, women.get_absolute_url())
    assert law.get_absolute_url() in page(client, practice.get_absolute_url())

    law.target_groups.remove(women)
    assert law.get_absolute_url() not in page(client, women.get_absolute_url())
    women.instruments.add(law)
    assert law.get_absolute_url() in page(client, women.get_absolute_url())
    law.practices.remove(practice)
    assert law.get_absolute_url() not in page(client, practice.get_absolute_url())


def test_a_deleted_instrument_disappears(client, admin_client):
    lone = Instrument.objects.create(
        slug="instrumento-efimero",
        name="Instrumento efímero",
        kind="programa",
        summary="Un instrumento que se borrará.",
        citation="Prueba.",
        publication_status=PublicationStatus.PUBLISHED,
    )
    lone.target_groups.add(TargetGroup.objects.get(slug=WOMEN))
    women = reverse("catalogue:target_group", args=[WOMEN])
    assert "Instrumento efímero" in page(client, lone.get_absolute_url())
    assert "Instrumento efímero" in page(client, women)
    assert total(page(client, CATALOGUE)) == 46

    url = reverse("admin:programs_instrument_delete", args=[lone.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Instrument.objects.filter(pk=lone.pk).exists()

    page(client, lone.get_absolute_url(), status=404)
    assert "Instrumento efímero" not in page(client, women)
    assert total(page(client, CATALOGUE)) == 45


def test_unpublishing_and_publishing_take_effect_at_once(client, editor):
    ptat = Instrument.objects.get(slug=PTAT)
    assert PTAT_NAME in page(client, instrument_url(PTAT))
    assert total(page(client, CATALOGUE)) == 45

    run_action(editor, "unpublish", ptat)
    page(client, instrument_url(PTAT), status=404)
    assert total(page(client, CATALOGUE)) == 44
    assert instrument_url(PTAT) not in page(client, FARM_WORKERS)

    run_action(editor, "publish", ptat)
    assert PTAT_NAME in page(client, instrument_url(PTAT))
    assert total(page(client, CATALOGUE)) == 45
    assert instrument_url(PTAT) in page(client, FARM_WORKERS)


# 3. Conditional GET ----------------------------------------------------------------------


def test_a_browser_revalidates_its_copy_until_an_edit(client, editor):
    url = instrument_url(PTAT)
    first = client.get(url)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag and last_modified

    same = client.get(url, headers={"if-none-match": etag})
    assert same.status_code == 304
    assert same.content == b""
    since = client.get(url, headers={"if-modified-since": last_modified})
    assert since.status_code == 304

    save_in_admin(
        editor, Instrument.objects.get(slug=PTAT), summary_es_mx="Resumen recién editado."
    )

    changed = client.get(url, headers={"if-none-match": etag})
    assert changed.status_code == 200
    assert "Resumen recién editado." in changed.content.decode()
    assert changed["ETag"] != etag


def test_browsers_are_told_to_revalidate_rather_than_guess(client):
    """Without an explicit lifetime, a browser may reuse a page with a Last-Modified
    header for a while without asking (heuristic freshness, RFC 9111 §4.2.2), and show
    a reader the page from before an edit."""
    response = client.get(instrument_url(PTAT))
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert "no-cache" in directives or "max-age=0" in directives, response.get("Cache-Control")


def test_each_language_has_its_own_address_and_etag(client):
    spanish = client.get(CATALOGUE)
    english = client.get(f"/en{CATALOGUE}")
    assert spanish["ETag"] != english["ETag"]
    assert ">Catalogue</a>" in english.content.decode()
    assert ">Catálogo</a>" in spanish.content.decode()

    # The address alone decides: a language cookie or header never turns one copy into
    # the other, so the page cache and any proxy may key pages by their address.
    english_reader = Client(headers={"accept-language": "en"})
    english_reader.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert english_reader.get(CATALOGUE)["ETag"] == spanish["ETag"]
    assert ">Catálogo</a>" in english_reader.get(CATALOGUE).content.decode()
    again = english_reader.get(f"/en{CATALOGUE}", headers={"if-none-match": english["ETag"]})
    assert again.status_code == 304
    refreshed = client.get(f"/en{CATALOGUE}", headers={"if-none-match": spanish["ETag"]})
    assert refreshed.status_code == 200


def test_a_status_never_follows_the_dates_not_even_past_midnight(client):
    """No status is derived from the dates (only a source states one): the day after its
    end, a record's page still says only what its source says of it."""
    today = timezone.localdate()
    ending = Instrument.objects.create(
        slug="programa-que-termina-hoy",
        name="Programa que termina hoy",
        kind="programa",
        summary="Termina hoy.",
        citation="Prueba.",
        publication_status=PublicationStatus.PUBLISHED,
        start_date=today - datetime.timedelta(days=365),
        start_precision="day",
        start_kind="iniciado",
        end_date=today,
        end_precision="day",
        end_kind="previsto-hasta",
    )
    url = ending.get_absolute_url()
    first = client.get(url).content.decode()
    tomorrow = today + datetime.timedelta(days=1)
    with mock.patch("django.utils.timezone.localdate", return_value=tomorrow):
        after = client.get(url).content.decode()
    for page in (first, after):
        assert "status-vigente" not in page and "status-concluido" not in page
        assert "La fuente no lo declara" in page


# 4. Staff always get a fresh page --------------------------------------------------------


@pytest.mark.parametrize("staff_first", [True, False], ids=["staff-first", "public-first"])
def test_a_draft_is_shown_to_staff_and_never_to_the_public(client, editor, staff_first):
    ptat = Instrument.objects.get(slug=PTAT)
    ptat.publication_status = PublicationStatus.DRAFT
    ptat.save()
    url = ptat.get_absolute_url()
    turns = ["staff", "public"] if staff_first else ["public", "staff"]
    for reader in turns * 2:
        if reader == "staff":
            assert DRAFT_BANNER in page(editor, url)
        else:
            page(client, url, status=404)
            assert instrument_url(PTAT) not in page(client, FARM_WORKERS)


def test_staff_never_get_the_publics_cached_copy(client, editor):
    url = instrument_url(PTAT)
    assert DRAFT_BANNER not in page(client, url)  # now in the cache
    # A change the revision cannot see (no editor can make one): only a page rendered
    # for the request shows it.
    Instrument.objects.filter(slug=PTAT).update(publication_status=PublicationStatus.DRAFT)
    with CaptureQueriesContext(connection) as queries:
        html = page(editor, url)
    assert DRAFT_BANNER in html
    assert len(queries) > 1


# 5. Language switch ----------------------------------------------------------------------


def test_the_old_language_form_needs_no_token_and_leads_to_the_page_in_that_language():
    """The header now links to each language's address; the form it had before still
    answers, for pages saved with it."""
    reader = Client(enforce_csrf_checks=True)
    spanish = page(reader, CATALOGUE)
    assert '<html lang="es-mx">' in spanish and ">Catálogo</a>" in spanish
    assert ">Catálogo</a>" in page(reader, CATALOGUE)  # served from the cache

    for language, address, label in (
        ("en", f"/en{CATALOGUE}", "Catalogue"),
        ("es-mx", CATALOGUE, "Catálogo"),
    ):
        response = reader.post(
            "/i18n/setlang/",
            f"language={language}&next={CATALOGUE}",
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 302 and response.url == address
        for _again in range(2):
            html = page(reader, address)
            assert f'<html lang="{language}">' in html
            assert f">{label}</a>" in html


# 6. Commands that change the knowledge base ------------------------------------------


def test_reloading_the_fixtures_replaces_cached_pages(client):
    # The database before a pull of new fixtures, changed where no signal sees it.
    Instrument.objects.filter(slug=PTAT).update(name="Nombre anterior del programa")
    assert "Nombre anterior del programa" in page(client, instrument_url(PTAT))
    before = ContentRevision.objects.current().tag

    call_command("load_knowledge_base", verbosity=0)

    assert ContentRevision.objects.current().tag != before
    html = page(client, instrument_url(PTAT))
    assert PTAT_NAME in html and "Nombre anterior del programa" not in html


def test_rebuilding_the_search_index_replaces_cached_results(client):
    # A renamed record whose search columns are stale, as after loaddata.
    Instrument.objects.filter(slug=PTAT).update(name="Programa de zanahorias")
    search = f"{CATALOGUE}?q=zanahorias"
    assert total(page(client, search)) == 0
    before = ContentRevision.objects.current().tag

    call_command("rebuild_search_index", verbosity=0)

    assert ContentRevision.objects.current().tag != before
    html = page(client, search)
    assert total(html) == 1 and instrument_url(PTAT) in html


# 6. Bounded: what a page may depend on, and what it costs -----------------------------


def test_an_unknown_parameter_neither_changes_the_page_nor_skips_the_cache(
    client, django_assert_max_num_queries
):
    page(client, f"{CATALOGUE}?tipo=ley")
    with django_assert_max_num_queries(1):  # the revision: the copy is the cached one
        html = page(client, f"{CATALOGUE}?tipo=ley&zz{uuid.uuid4().hex}=1&utm_source=x")
    assert "zz" not in html and "utm_source" not in html


def test_the_order_and_empty_values_of_parameters_do_not_make_another_copy(
    client, django_assert_max_num_queries
):
    page(client, f"{CATALOGUE}?tipo=ley&area=3")
    with django_assert_max_num_queries(1):
        page(client, f"{CATALOGUE}?area=3&q=&tipo=ley&desde=")


def test_a_page_too_big_to_keep_is_served_and_not_cached(
    client, settings, django_assert_max_num_queries
):
    settings.PAGE_CACHE_MAX_BYTES = 1000
    page(client, CATALOGUE)
    with CaptureQueriesContext(connection) as queries:
        page(client, CATALOGUE)
    assert len(queries) > 1  # made again: it was not kept


def test_the_size_bound_counts_a_page_as_the_cache_holds_it_compressed(
    client, settings, django_assert_max_num_queries
):
    """A page of many records (the API's list at scale) is kept: the bound is on what
    the cache holds, and a copy reads as the page first made."""
    url = "/api/v1/instrumentos/"
    made = client.get(url)
    settings.PAGE_CACHE_MAX_BYTES = len(made.content) // 2
    cache.clear()
    made = client.get(url)
    with django_assert_max_num_queries(1):  # the revision: the copy is the cached one
        copy = client.get(url)
    assert copy.content == made.content
    assert copy["Content-Type"] == made["Content-Type"] == "application/json"
    assert copy["ETag"] == made["ETag"]


def test_readers_who_miss_the_same_page_at_once_wait_for_one_to_make_it(client):
    """Single flight: while a page is being made, a request for it waits for that copy
    rather than making its own."""
    url = f"{CATALOGUE}?tipo=programa"
    made = []
    original = caching.render

    def slow_render(*args):
        made.append(1)
        time.sleep(0.3)
        return original(*args)

    with mock.patch.object(caching, "render", slow_render):
        threads = [threading.Thread(target=lambda: Client().get(url)) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(made) == 1


def test_while_the_index_of_a_change_is_built_readers_get_the_last_one_uncached(client):
    """One request builds the index of the knowledge base after a change; the others are
    answered from the index before it, and what they get is neither kept in the cache nor
    given a validator, so nobody keeps it once the new index is ready."""
    search = f"{CATALOGUE}?q=ornitorrinco"
    assert total(page(client, search)) == 0  # the index of the current revision
    instrument = Instrument.objects.get(slug=PTAT)
    instrument.summary += " Ornitorrinco."
    instrument.save()
    with engine._lock:  # as if another request were building the new index now
        response = client.get(search)
    assert response.status_code == 200
    assert total(response.content.decode()) == 0  # from the index before the change
    assert "ETag" not in response
    assert total(page(client, search)) == 1  # not the copy made from the old index


def test_readers_of_a_page_that_is_not_kept_do_not_wait_for_each_other(client):
    """A page the cache does not keep (here a 400: too many values) is made by each
    request at once, not one after the other: once one request has made it, the next
    does not wait on another's lock for a copy that never comes."""
    url = f"{CATALOGUE}?" + "&".join(f"grupo=g{n}" for n in range(100))
    locks = []
    add = caching.cache.add

    def take(key, *args, **kwargs):
        locks.append(key)
        return add(key, *args, **kwargs)

    with mock.patch.object(caching.cache, "add", side_effect=take):
        assert client.get(url).status_code == 400
    cache.add(locks[0], 1)  # the page's lock: another reader is making it now
    with mock.patch.object(caching.time, "sleep", side_effect=AssertionError("waited")):
        assert client.get(url).status_code == 400
