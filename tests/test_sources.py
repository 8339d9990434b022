"""Source documents as records, and quotes that must occur in them: every shipped quote is
in its source's text, and the admin and the fixture loader refuse one that is not."""

import html
import json
import shutil

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db.models import ProtectedError
from django.forms import modelform_factory
from django.urls import reverse

from core.knowledge_base import content_models
from core.records import QuotedModel, quote_errors
from core.sources import Source, normalize_space
from practices.models import Practice
from programs.models import Instrument, Place
from tests.dumps import canonical_dump
from tests.helpers import admin_form_data

pytestmark = pytest.mark.usefixtures("knowledge_base")

MADE_UP = "Esta cita no existe en el documento fuente."
MEXICO = "mexico-a-hrc-35-l28"


def quoted_records():
    for model in content_models():
        if issubclass(model, QuotedModel):
            yield from model.objects.exclude(source_quote="").select_related("source")


def test_mexicos_contribution_is_a_source_with_its_shipped_text():
    source = Source.objects.get(slug=MEXICO)
    assert source.issuer == "México"
    assert source.text() == settings.SOURCE_DOCUMENT.read_text(encoding="utf-8")
    # Nothing the document does not state.
    assert (source.url, source.licence, source.date) == ("", "", None)


def test_every_shipped_quote_names_its_source_and_occurs_in_its_text():
    records = list(quoted_records())
    assert len(records) > 150
    for record in records:
        assert record.source is not None, record
        assert quote_errors(record) == {}, record
        record.full_clean()


def test_a_quote_is_compared_with_line_endings_and_runs_of_whitespace_normalized():
    source = Source.objects.get(slug=MEXICO)
    practice = Practice.objects.filter(source_quote__contains="\n").first()
    assert practice is not None
    reflowed = practice.source_quote.replace("\n", "\r\n").replace(" ", "  \t")
    assert source.contains(reflowed)
    # Anything else is a different quote: a letter, a typo corrected, an accent.
    assert not source.contains(practice.source_quote.replace("a", "á", 1))
    assert not source.contains("pre configurará".replace("pre ", "pre"))
    assert normalize_space(" a \r\n\tb  ") == "a b"


def test_model_validation_refuses_a_made_up_quote_and_a_quote_without_source():
    instrument = Instrument.objects.get(acronym="LM")
    instrument.source_quote = MADE_UP
    with pytest.raises(ValidationError) as error:
        instrument.full_clean()
    assert "no aparece" in str(error.value.message_dict["source_quote"])

    instrument.source_quote = "La Ley de Migración"
    instrument.source = None
    with pytest.raises(ValidationError) as error:
        instrument.full_clean()
    assert "source" in error.value.message_dict


def test_a_source_without_its_text_cannot_back_a_quote():
    place = Place.objects.get(code="MX")
    place.source = Source.objects.create(slug="otra", title="Otra", issuer="Otro", language="es")
    with pytest.raises(ValidationError) as error:
        place.full_clean()
    assert "no tiene su texto" in str(error.value.message_dict["source"])


@pytest.mark.parametrize("name", ["../settings.py", "/etc/passwd", "Otro.TXT", "falta.txt"])
def test_a_source_text_file_is_a_file_of_fixtures_source(name):
    source = Source(slug="otra", title="Otra", issuer="Otro", language="es", text_file=name)
    with pytest.raises(ValidationError) as error:
        source.full_clean()
    assert "text_file" in error.value.message_dict
    assert source.text() == ""


def test_a_source_that_records_quote_cannot_be_deleted():
    with pytest.raises(ProtectedError):
        Source.objects.get(slug=MEXICO).delete()


def test_the_admin_refuses_a_made_up_quote_on_the_field_and_saves_nothing(admin_client):
    practice = Practice.objects.get(slug="ley-de-migracion-y-derechos-humanos")
    url = reverse("admin:practices_practice_change", args=[practice.pk])
    data = admin_form_data(admin_client.get(url))
    before = canonical_dump()

    response = admin_client.post(url, {**data, "source_quote": MADE_UP})

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["source_quote"]
    assert "no aparece" in errors["source_quote"][0]
    assert "no aparece" in response.content.decode()
    assert canonical_dump() == before
    practice.refresh_from_db()
    assert practice.source_quote != MADE_UP


def test_the_admin_refuses_a_made_up_quote_in_an_inline(admin_client):
    instrument = Instrument.objects.filter(key_figures__isnull=False).first()
    url = reverse("admin:programs_instrument_change", args=[instrument.pk])
    data = admin_form_data(admin_client.get(url))
    before = canonical_dump()

    response = admin_client.post(url, {**data, "key_figures-0-source_quote": MADE_UP})

    assert response.status_code == 200
    inline = response.context["inline_admin_formsets"][1].formset
    assert "source_quote" in inline.forms[0].errors
    assert canonical_dump() == before


def test_the_loader_refuses_a_made_up_quote_naming_the_record(tmp_path, settings):
    copy = tmp_path / "fixtures"
    shutil.copytree(settings.FIXTURE_DIRS[0], copy)
    path = copy / "practices.json"
    records = json.loads(path.read_text(encoding="utf-8"))
    records[3]["fields"]["source_quote"] = MADE_UP
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    settings.FIXTURE_DIRS = [copy]
    Practice.objects.filter(pk=Practice.objects.first().pk).update(title="Editada")
    before = canonical_dump()

    for replace in (False, True):
        with pytest.raises(CommandError) as error:
            call_command("load_knowledge_base", replace=replace, verbosity=0)
        message = str(error.value)
        assert message.startswith("fixtures/practices.json: practices.practice ")
        assert records[3]["fields"]["slug"] in message
        assert "quote is not in the text of its source" in message
        assert MADE_UP in message
        assert "Nothing was loaded or changed" in message
        assert canonical_dump() == before


# The "Acerca de" page ----------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_about_page_lists_the_sources_with_their_text_and_how_to_cite(client, prefix):
    response = client.get(f"{prefix}/acerca/")
    assert response.status_code == 200
    page = response.content.decode()
    source = Source.objects.get(slug=MEXICO)
    text_url = f"/acerca/fuentes/{MEXICO}.txt"
    assert f'href="{prefix}{text_url}"' in page
    assert html.escape(source.title) in page
    assert html.escape(source.note) in page
    # How to cite, from the record and the page's own address.
    assert f"http://testserver{prefix}/acerca/" in page
    assert f"http://testserver{prefix}{text_url}" in page
    # The data licence the repository states (the Data Package), nothing about the
    # source's, which nobody states.
    assert "CC BY 4.0" in page
    assert "No determinada" in page or "Not determined" in page


def test_the_footer_of_every_page_links_the_about_page(client):
    page = client.get(reverse("catalogue:home")).content.decode()
    assert f'href="{reverse("catalogue:about")}"' in page


def test_a_shipped_source_text_is_served_as_utf8_plain_text(client):
    response = client.get(f"/acerca/fuentes/{MEXICO}.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content == settings.SOURCE_DOCUMENT.read_bytes()
    assert client.get(f"/en/acerca/fuentes/{MEXICO}.txt").content == response.content


def test_a_source_without_text_or_unknown_is_a_404(client):
    Source.objects.create(slug="sin-texto", title="Sin texto", issuer="X", language="es")
    assert client.get("/acerca/fuentes/sin-texto.txt").status_code == 404
    assert client.get("/acerca/fuentes/no-existe.txt").status_code == 404


def test_the_about_page_is_in_the_sitemap(client):
    sitemap = client.get(reverse("catalogue:sitemap", args=["paginas"])).content.decode()
    assert "http://testserver/acerca/" in sitemap
    assert "http://testserver/en/acerca/" in sitemap


def test_a_form_without_the_source_field_reports_a_quote_error_for_the_whole_form():
    place = Place.objects.get(code="MX")
    form_class = modelform_factory(Place, fields=["name", "source_quote"])
    form = form_class({"name": place.name, "source_quote": MADE_UP}, instance=place)
    assert not form.is_valid()
    assert "no aparece" in form.errors["source_quote"][0]
    place.source = None
    form = form_class({"name": place.name, "source_quote": "México"}, instance=place)
    assert not form.is_valid()
    assert "documento fuente" in form.non_field_errors()[0]
