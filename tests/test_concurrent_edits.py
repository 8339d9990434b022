"""Two editors saving the same record: the second is told, not silently overwritten."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from practices.models import Practice
from programs.models import Instrument
from tests.helpers import admin_form_data

pytestmark = pytest.mark.usefixtures("knowledge_base")


def editor(name):
    client = Client()
    client.force_login(User.objects.create_superuser(name, password="x"))
    return client


@pytest.mark.parametrize(
    "model, lookup, field, label",
    [
        (Instrument, {"acronym": "PTAT"}, "summary", "resumen"),
        (Practice, {"slug": "programa-3x1-para-migrantes"}, "summary", "resumen"),
    ],
)
@pytest.mark.parametrize("edited_before", [False, True], ids=["fresh", "with-history"])
def test_the_second_save_is_told_what_changed(model, lookup, field, label, edited_before):
    record = model.objects.get(**lookup)
    url = reverse(
        f"admin:{record._meta.app_label}_{record._meta.model_name}_change", args=[record.pk]
    )
    if edited_before:  # the version both open is then in the history
        carla = editor("carla")
        assert carla.post(url, admin_form_data(carla.get(url))).status_code == 302
    ana, beto = editor("ana"), editor("beto")
    form_ana = admin_form_data(ana.get(url))
    form_beto = admin_form_data(beto.get(url))

    form_beto[field] = "Lo que guardó Beto."
    assert beto.post(url, form_beto).status_code == 302

    form_ana[field] = "Lo que escribió Ana."
    refused = ana.post(url, form_ana)
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "Otra persona guardó este registro" in page
    assert f"Cambió: {label}." in page
    record.refresh_from_db()
    assert getattr(record, field) == "Lo que guardó Beto."

    # Having seen it, Ana saves again on purpose.
    again = admin_form_data(refused)
    assert ana.post(url, again).status_code == 302
    record.refresh_from_db()
    assert getattr(record, field) == "Lo que escribió Ana."


def test_a_lone_editor_saves_without_friction(admin_client):
    record = Instrument.objects.get(acronym="TVTF")
    url = reverse("admin:programs_instrument_change", args=[record.pk])
    data = admin_form_data(admin_client.get(url))
    data["summary"] = "Primera edición."
    assert admin_client.post(url, data).status_code == 302
    data = admin_form_data(admin_client.get(url))
    data["summary"] = "Segunda edición."
    assert admin_client.post(url, data).status_code == 302
