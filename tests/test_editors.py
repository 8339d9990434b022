"""What editors rely on in the admin and in the fixtures round trip."""

import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.forms import modelform_factory
from django.urls import reverse

from practices.models import Practice
from programs.admin import InstrumentForm
from programs.models import Instrument, TargetGroup

pytestmark = pytest.mark.usefixtures("knowledge_base")

SHIPPED = sorted(settings.FIXTURE_DIRS[0].glob("*.json"))


def test_load_then_export_is_byte_identical(tmp_path):
    call_command("export_fixtures", to=tmp_path, verbosity=0)
    assert SHIPPED
    for shipped in SHIPPED:
        assert (tmp_path / shipped.name).read_bytes() == shipped.read_bytes(), shipped.name


def test_export_carries_an_edit_and_nothing_else(tmp_path):
    law = Instrument.objects.get(acronym="LM")
    law.summary = "Resumen editado por una editora."
    law.save()
    call_command("export_fixtures", to=tmp_path, verbosity=0)
    for shipped in SHIPPED:
        exported = (tmp_path / shipped.name).read_text(encoding="utf-8")
        if shipped.name == "instruments.json":
            records = {
                r["fields"]["slug"]: r for r in json.loads(exported) if "slug" in r["fields"]
            }
            assert records["ley-de-migracion"]["fields"]["summary"] == law.summary
            assert "search_a" not in records["ley-de-migracion"]["fields"]
        else:
            assert exported == shipped.read_text(encoding="utf-8"), shipped.name


@pytest.mark.parametrize(
    "words, expected",
    [
        ("ninos no acompanados", "protocolo-deteccion-nna-proteccion-internacional"),
        ("migrnates", "grupos-beta-de-proteccion-a-migrantes"),
        ("housing", "tu-vivienda-en-mexico"),
    ],
)
def test_admin_search_is_the_sites_search(admin_client, words, expected):
    response = admin_client.get(reverse("admin:programs_instrument_changelist"), {"q": words})
    assert response.status_code == 200
    found = {instrument.slug for instrument in response.context["cl"].result_list}
    assert expected in found


def test_admin_search_with_no_words_lists_everything(admin_client):
    response = admin_client.get(reverse("admin:programs_instrument_changelist"), {"q": "  "})
    assert response.context["cl"].result_count == Instrument.objects.count()


def test_autocomplete_keeps_half_typed_words(admin_client):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "practices",
            "model_name": "practice",
            "field_name": "instruments",
            "term": "Ley de Mig",
        },
    )
    assert response.status_code == 200
    assert "Ley de Migración (LM)" in [item["text"] for item in response.json()["results"]]


def test_deleting_a_law_others_rest_on_is_refused_naming_them(admin_client):
    law = Instrument.objects.get(acronym="LM")
    url = reverse("admin:programs_instrument_delete", args=[law.pk])
    page = admin_client.get(url).content.decode()
    assert "Tarjeta de Visitante Trabajador Fronterizo" in page  # rests on the law
    assert "Programas temporales de regularización migratoria" in page  # a practice using it

    admin_client.post(url, {"post": "yes"})
    assert Instrument.objects.filter(pk=law.pk).exists()
    assert law.practices.count() == Practice.objects.filter(instruments=law).count() > 0


def test_deleting_a_target_group_in_use_is_refused(admin_client):
    women = TargetGroup.objects.get(slug="mujeres")
    url = reverse("admin:programs_targetgroup_delete", args=[women.pk])
    admin_client.post(url, {"post": "yes"})
    assert TargetGroup.objects.filter(pk=women.pk).exists()


def test_an_unused_record_can_be_deleted(admin_client):
    group = TargetGroup.objects.create(slug="prueba", name="Prueba", citation="Prueba.")
    admin_client.post(
        reverse("admin:programs_targetgroup_delete", args=[group.pk]), {"post": "yes"}
    )
    assert not TargetGroup.objects.filter(pk=group.pk).exists()


def test_a_law_cannot_be_its_own_legal_basis():
    law = Instrument.objects.get(acronym="LM")
    form_class = modelform_factory(Instrument, form=InstrumentForm, fields=["legal_basis"])
    form = form_class(data={"legal_basis": [law.pk]}, instance=law)
    assert not form.is_valid()
    assert "propio fundamento legal" in str(form.errors["legal_basis"])
