"""The foundation's pages: every record with a page answers, and only published ones."""

import re

import pytest
from django.urls import reverse

from core.records import PublicationStatus
from practices.models import Practice, ThematicArea
from programs.models import Institution, Instrument, TargetGroup

pytestmark = pytest.mark.usefixtures("knowledge_base")


def test_home_lists_the_six_areas(client):
    response = client.get(reverse("catalogue:home"))
    assert response.status_code == 200
    for area in ThematicArea.objects.all():
        assert area.get_absolute_url() in response.content.decode()


@pytest.mark.parametrize(
    "model, name_field",
    [
        (ThematicArea, "title"),
        (Practice, "title"),
        (Instrument, "name"),
        (Institution, "name"),
        (TargetGroup, "name"),
    ],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_every_record_has_a_page(client, model, name_field):
    for record in model.objects.all():
        response = client.get(record.get_absolute_url())
        assert response.status_code == 200, record
        assert getattr(record, name_field) in response.content.decode()


def test_instrument_page_links_both_ways(client):
    page = client.get(reverse("programs:instrument", args=["ley-de-migracion"])).content.decode()
    # What rests on the law, and the practices that cite it, appear on the law's page.
    assert (
        reverse("programs:instrument", args=["tarjeta-de-visitante-trabajador-fronterizo"]) in page
    )
    assert reverse("practices:practice", args=["regularizacion-migratoria"]) in page


def test_figures_read_in_mexican_spanish(client):
    page = client.get(reverse("programs:instrument", args=["ptrm-2008"])).content.decode()
    # The key figure reads as its number, then its unit (each in an element of its own).
    figure = re.search(r'<li id="cifra-[^"]+">(.*?)</li>', page, re.DOTALL)[1]
    assert " ".join(re.sub(r"<[^>]+>", " ", figure).split()).startswith("10,122 personas ")
    assert "noviembre de 2008" in page


def test_a_draft_is_not_public(client):
    Instrument.objects.filter(acronym="PLM").update(publication_status=PublicationStatus.DRAFT)
    draft = Instrument.objects.get(acronym="PLM")
    assert client.get(draft.get_absolute_url()).status_code == 404
    practice = client.get(
        reverse("practices:practice", args=["cooperacion-laboral-con-centroamerica"])
    )
    assert draft.get_absolute_url() not in practice.content.decode()


def test_unknown_slug_is_404(client):
    assert client.get(reverse("programs:instrument", args=["no-existe"])).status_code == 404


def test_admin_lists_every_model(admin_client):
    index = admin_client.get(reverse("admin:index")).content.decode()
    for model in (
        "thematicarea",
        "practice",
        "instrument",
        "institution",
        "targetgroup",
        "place",
        "keyfigure",
        "participation",
    ):
        app = "practices" if model in ("thematicarea", "practice") else "programs"
        assert reverse(f"admin:{app}_{model}_changelist") in index
        assert admin_client.get(reverse(f"admin:{app}_{model}_changelist")).status_code == 200


def test_admin_change_form_opens_for_an_instrument(admin_client):
    instrument = Instrument.objects.get(acronym="TVTF")
    response = admin_client.get(reverse("admin:programs_instrument_change", args=[instrument.pk]))
    assert response.status_code == 200
    assert "60569" in response.content.decode()


def test_english_readers_get_the_english_interface(client):
    response = client.get("/en/")
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "<title>Home · Good Practices on Migration</title>" in page
    assert "2 practices" in page


def test_spanish_is_the_default(client):
    page = client.get(reverse("catalogue:home")).content.decode()
    assert '<html lang="es-mx">' in page
    assert "2 prácticas" in page


def test_a_missing_page_offers_a_search_of_the_catalogue(client):
    response = client.get("/no-existe/")
    assert response.status_code == 404
    content = response.content.decode()
    assert f'action="{reverse("catalogue:catalogue")}"' in content
    assert 'id="not-found-search" type="search" name="q"' in content


def test_every_page_names_the_site_icon_and_the_icon_is_served(client):
    content = client.get(reverse("catalogue:home")).content.decode()
    href = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', content)[1]
    icon = b"".join(client.get(href).streaming_content)
    assert icon.startswith(b"<svg")
