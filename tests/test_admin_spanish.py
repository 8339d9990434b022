"""The admin in Spanish throughout, whatever the editor's browser asks for: its header,
the change history, messages that agree with every record type, and an instrument's
practices set from its own form."""

import html

import pytest
from django.urls import reverse

from practices.models import Practice
from programs.models import Instrument, KeyFigure
from tests.helpers import admin_form_data

pytestmark = pytest.mark.usefixtures("knowledge_base")

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


@pytest.mark.parametrize("headers", [{}, ENGLISH_BROWSER], ids=["spanish", "english browser"])
def test_the_admin_header_names_the_site_in_spanish(admin_client, headers):
    page = admin_client.get(reverse("admin:index"), **headers).content.decode()
    assert "Buenas Prácticas: administración" in page
    assert "Django" not in page.split("<body", 1)[1].split('id="content"', 1)[0]
    assert "Administración de Django" not in page
    assert 'lang="es-mx"' in page


@pytest.mark.parametrize("headers", [{}, ENGLISH_BROWSER], ids=["spanish", "english browser"])
def test_the_history_pages_are_in_spanish(admin_client, headers):
    practice = Practice.objects.order_by("pk").first()
    url = reverse("admin:practices_practice_change", args=[practice.pk])
    admin_client.post(url, {**admin_form_data(admin_client.get(url)), "title_es_mx": "Otro título"})
    history = admin_client.get(
        reverse("admin:practices_practice_history", args=[practice.pk]), **headers
    )
    page = history.content.decode()
    for spanish in ("Historial de cambios", "Fecha y hora", "Cambiado por", "Modificado"):
        assert spanish in page
    for english in ("Change history", "Date/time", "Choose a date", "Changed by", "Changed"):
        assert english not in page
    version = practice.history.order_by("history_id").first()
    form = admin_client.get(
        reverse("admin:practices_practice_simple_history", args=[practice.pk, version.pk]),
        **headers,
    ).content.decode()
    assert "Revertir" in form
    assert "Revert" not in form.replace("Revertir", "")


def saved_message(response):
    return [str(message) for message in response.context["messages"]]


@pytest.mark.parametrize(
    "model, slug_field, slug",
    [
        (Practice, "slug", "ley-de-migracion-y-derechos-humanos"),  # feminine
        (Instrument, "slug", "ley-de-migracion"),  # masculine
    ],
)
def test_save_messages_agree_with_every_record_type(admin_client, model, slug_field, slug):
    record = model.objects.get(**{slug_field: slug})
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])
    data = admin_form_data(admin_client.get(url))

    response = admin_client.post(url, {**data, "_continue": "1"}, follow=True)

    [message] = saved_message(response)
    assert message == (
        f"El registro «{record}» ({opts.verbose_name}) se modificó correctamente. "
        "Puede volver a editarlo abajo."
    )
    assert f"El {opts.verbose_name}" not in message


def test_the_delete_confirmation_and_message_agree_too(admin_client):
    figure = KeyFigure.objects.order_by("pk").first()
    url = reverse("admin:programs_keyfigure_delete", args=[figure.pk])
    confirmation = admin_client.get(url).content.decode()
    assert f"eliminar el registro «{figure}» (cifra clave)?" in html.unescape(confirmation)
    assert (
        "cifra clave"
        not in confirmation.replace("(cifra clave)", "").split("<h1>")[1].split("</p>")[0]
    )
    response = admin_client.post(url, {"post": "yes"}, follow=True)
    [message] = saved_message(response)
    assert message == f"El registro «{figure}» (cifra clave) se eliminó correctamente."


def test_the_instrument_form_sets_its_practices(admin_client):
    instrument = Instrument.objects.get(slug="ley-de-migracion")
    url = reverse("admin:programs_instrument_change", args=[instrument.pk])
    response = admin_client.get(url)
    page = response.content.decode()
    assert 'type="checkbox" name="practices"' in page
    data = admin_form_data(response)
    current = {str(pk) for pk in instrument.practices.values_list("pk", flat=True)}
    assert set(map(str, data["practices"])) == current
    other = Practice.objects.exclude(pk__in=current).order_by("pk").first()

    response = admin_client.post(url, {**data, "practices": [*current, str(other.pk)]})

    assert response.status_code == 302
    assert set(instrument.practices.values_list("pk", flat=True)) == {
        *map(int, current),
        other.pk,
    }
    # And taken away again.
    response = admin_client.post(url, {**admin_form_data(admin_client.get(url)), "practices": []})
    assert response.status_code == 302
    assert not instrument.practices.exists()
