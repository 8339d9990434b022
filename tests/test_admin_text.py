"""What the admin stores of what an editor types: LF line endings whatever the browser
sends, and nothing but the editor's change in the exported fixtures."""

import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from core.sources import Source
from practices.models import Practice
from programs.models import Place
from tests.helpers import admin_form_data

pytestmark = pytest.mark.usefixtures("knowledge_base")

SHIPPED = settings.FIXTURE_DIRS[0]


def as_a_browser_sends_it(data):
    """Form data as browsers submit it: every line break in a text field is CRLF."""
    return {
        key: value.replace("\n", "\r\n") if isinstance(value, str) else value
        for key, value in data.items()
    }


def practice_form(admin_client, slug="educacion-para-la-igualdad-y-la-no-discriminacion"):
    practice = Practice.objects.get(slug=slug)
    url = reverse("admin:practices_practice_change", args=[practice.pk])
    return practice, url, admin_form_data(admin_client.get(url))


def test_crlf_from_the_browser_is_stored_as_lf(admin_client):
    practice, url, data = practice_form(admin_client)
    assert "\n" in practice.body and "\n" in practice.source_quote
    body = "Primer párrafo.\r\n\r\nSegundo párrafo.\rTercero."

    response = admin_client.post(url, {**as_a_browser_sends_it(data), "body_es_mx": body})

    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.body == "Primer párrafo.\n\nSegundo párrafo.\nTercero."
    # The untouched quote is stored as it was, byte for byte, and still in its source.
    assert "\r" not in practice.source_quote
    assert practice.source_quote in practice.source.text()
    assert "\r" not in practice.history.latest().body


def test_every_path_stores_lf_not_only_the_admin():
    place = Place.objects.get(code="MX")
    place.source_quote = "los Ministerios de Trabajo de México,\r\nEl Salvador"
    place.save()
    place.refresh_from_db()
    assert place.source_quote == "los Ministerios de Trabajo de México,\nEl Salvador"
    source = Source.objects.create(slug="s", title="Una\r\nfuente", issuer="X", language="es")
    source.refresh_from_db()
    assert source.title == "Una\nfuente"


def fixture_records(directory, name):
    return json.loads((directory / name).read_text(encoding="utf-8"))


def test_an_admin_save_changes_only_the_edited_field_in_the_export(admin_client, tmp_path):
    practice, url, data = practice_form(admin_client)
    new_title = "Educación para la igualdad (título editado)"

    response = admin_client.post(url, {**as_a_browser_sends_it(data), "title_es_mx": new_title})
    assert response.status_code == 302

    call_command("export_fixtures", to=tmp_path, verbosity=0)
    for shipped in sorted(SHIPPED.glob("*.json")):
        exported = tmp_path / shipped.name
        if shipped.name != "practices.json":
            assert exported.read_bytes() == shipped.read_bytes(), shipped.name
    before = fixture_records(SHIPPED, "practices.json")
    after = fixture_records(tmp_path, "practices.json")
    assert len(before) == len(after)
    changed = [
        (record["fields"]["slug"], field)
        for record, old in zip(after, before, strict=True)
        for field in record["fields"]
        if record["fields"][field] != old["fields"][field]
    ]
    # The title, and when the record was last saved.
    assert changed == [(practice.slug, "updated_at"), (practice.slug, "title")]
