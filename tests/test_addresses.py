"""Record addresses built from a pattern per view, language and script prefix
(core/addresses.py) are those Django's resolver gives."""

import pytest
from django.urls import get_script_prefix, reverse, set_script_prefix
from django.utils import translation

from practices.models import Practice, ThematicArea
from programs.models import Institution, Instrument, TargetGroup

pytestmark = pytest.mark.usefixtures("knowledge_base")

VIEWS = {
    ThematicArea: "catalogue:area",
    Practice: "practices:practice",
    Instrument: "programs:instrument",
    TargetGroup: "catalogue:target_group",
    Institution: "programs:institution",
}


@pytest.fixture
def script_prefix():
    """A site served under a path, as behind a proxy that mounts it at /sitio/."""
    before = get_script_prefix()
    set_script_prefix("/sitio/")
    yield "/sitio/"
    set_script_prefix(before)


def assert_addresses_are_the_resolvers():
    for model, view in VIEWS.items():
        for record in model.objects.all():
            assert record.get_absolute_url() == reverse(view, kwargs={"slug": record.slug})


@pytest.mark.parametrize("language", ["es", "en"])
def test_every_records_address_is_the_resolvers(language):
    with translation.override(language):
        assert_addresses_are_the_resolvers()


def test_addresses_follow_the_script_prefix(script_prefix):
    for language in ("es", "en"):
        with translation.override(language):
            assert Instrument.objects.first().get_absolute_url().startswith(script_prefix)
            assert_addresses_are_the_resolvers()
