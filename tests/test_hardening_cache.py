"""Issue 21's findings that belong to the page cache (core/caching.py), each written as
a test before the fix (they failed then):

4. A page rendered for one Host is served from the cache to other hosts, with the first
   host in its citation link.
9. 304 Not Modified for URLs that do not exist; OPTIONS and TRACE render full pages.
"""

import pytest
from django.core.cache import cache
from django.test import Client

from practices.models import Practice

pytestmark = pytest.mark.usefixtures("knowledge_base")


@pytest.fixture(autouse=True)
def page_cache_on(page_cache_off, settings):
    settings.PAGE_CACHE_SECONDS = 600
    settings.ALLOWED_HOSTS = ["uno.example", "dos.example", "testserver"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def practice_url():
    """A practice's page, which carries a citation link with the host."""
    return Practice.objects.published().order_by("slug")[0].get_absolute_url()


def test_a_page_cached_for_one_host_is_not_served_to_another(practice_url):
    first = Client().get(practice_url, HTTP_HOST="uno.example")
    assert first.status_code == 200
    assert "uno.example" in first.content.decode()

    second = Client().get(practice_url, HTTP_HOST="dos.example")
    assert second.status_code == 200
    assert "uno.example" not in second.content.decode()


def test_a_url_that_does_not_exist_is_never_answered_304():
    etag = Client().get("/").headers["ETag"]
    response = Client().get("/instrumentos/no-existe/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 404 and "ETag" not in response
    # Nor another page: a validator names its page, not only the revision.
    other = Client().get("/instrumentos/", HTTP_IF_NONE_MATCH=etag)
    assert other.status_code == 200


def test_options_answers_allow_only():
    response = Client().options("/")
    assert response.status_code == 200
    assert {method.strip() for method in response.get("Allow", "").split(",")} >= {"GET", "HEAD"}
    assert response.content == b""


def test_trace_is_refused():
    response = Client().generic("TRACE", "/")
    assert response.status_code == 405


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_other_methods_are_refused_with_what_is_allowed(method):
    response = Client().generic(method, "/instrumentos/")
    assert response.status_code == 405 and "GET" in response["Allow"]
