"""No URL costs more than a bounded amount: a parameter takes at most MAX_VALUES values
and the search at most MAX_QUERY_WORDS words (beyond that, a 400 page that says why), and
the worst URL within those bounds (a dozen misspelled words, every value of every facet,
padding and an unknown parameter) gives a page under 100 KB. Its time is measured by
`make bench`."""

import uuid
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalogue.filters import MAX_SELECTED, MAX_VALUES
from core.search.query import MAX_QUERY_WORDS
from practices.models import ThematicArea
from programs.models import Institution, InstrumentKind, Place, Status, TargetGroup

CATALOGUE = "/instrumentos/"
MAX_PAGE_BYTES = 100 * 1024
MISSPELLED = (
    "trabajdores agricolsa migrnates proteccoin vivenda regularizacoin fronterizso ninso "
    "adolscentes tempolares derehcos humanso"
)

pytestmark = pytest.mark.usefixtures("knowledge_base")


def every_facet_value():
    return [
        *(("area", str(area.number)) for area in ThematicArea.objects.all()),
        *(("tipo", kind) for kind in InstrumentKind.values),
        *(("grupo", slug) for slug in TargetGroup.objects.values_list("slug", flat=True)),
        *(("institucion", slug) for slug in Institution.objects.values_list("slug", flat=True)),
        *(("lugar", code) for code in Place.objects.values_list("code", flat=True)),
        *(("estado", status) for status in Status.values),
    ]


def worst_url(values):
    """A dozen misspelled words, `values`, and an unknown parameter padding the request
    line to about 4 KB (gunicorn refuses longer ones itself, with a 414)."""
    query = [("q", MISSPELLED), *values]
    padding = "x" * max(0, 3900 - len(urlencode(query)))
    return [*query, (f"z{uuid.uuid4().hex}", padding)]


def test_the_worst_url_within_the_bounds_gives_a_small_page(client):
    values = every_facet_value()
    kept = [value for value in values if value[0] != "institucion"][:MAX_SELECTED]
    response = client.get(CATALOGUE, worst_url(kept))
    assert len(MISSPELLED.split()) == MAX_QUERY_WORDS and len(kept) == MAX_SELECTED
    assert response.status_code == 200
    assert len(response.content) < MAX_PAGE_BYTES


def test_every_value_of_every_facet_is_a_400_that_says_why(client):
    response = client.get(CATALOGUE, worst_url(every_facet_value()))
    assert len(every_facet_value()) > MAX_SELECTED
    assert response.status_code == 400
    assert f"como máximo {MAX_SELECTED} valores en total" in response.content.decode()


def test_more_values_than_a_parameter_takes_is_a_400_that_says_why(client):
    response = client.get(CATALOGUE, {"tipo": [InstrumentKind.LAW] * (MAX_VALUES + 1)})
    assert response.status_code == 400
    assert f"como máximo {MAX_VALUES} valores" in response.content.decode()


def test_more_words_than_a_search_takes_is_a_400_that_says_why(client):
    words = " ".join(f"palabra{n}" for n in range(MAX_QUERY_WORDS + 1))
    response = client.get(CATALOGUE, {"q": words})
    assert response.status_code == 400
    assert f"como máximo {MAX_QUERY_WORDS} palabras" in response.content.decode()


# The client keeps nothing between examples: a fixture reset for each is not needed.
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(st.sampled_from(["grupo", "tipo", "lugar", "area", "zz", "q"]), max_size=80),
    text=st.text(max_size=40),
)
def test_any_mix_of_parameters_is_a_bounded_page_or_a_400(client, values, text):
    response = client.get(CATALOGUE, [(name, text) for name in values])
    assert response.status_code in (200, 400)
    assert len(response.content) < MAX_PAGE_BYTES
