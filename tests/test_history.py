"""Every change is recorded with who, when and what, and can be undone."""

import pytest
from django.urls import reverse

from programs.models import Instrument
from tests.helpers import admin_form_data

pytestmark = pytest.mark.usefixtures("knowledge_base")


def edit_summary(admin_client, instrument, summary):
    url = reverse("admin:programs_instrument_change", args=[instrument.pk])
    data = admin_form_data(admin_client.get(url))
    data["summary"] = summary
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def test_an_admin_edit_is_recorded_with_who_when_and_what(admin_client, admin_user):
    instrument = Instrument.objects.get(acronym="PTAT")
    edit_summary(admin_client, instrument, "Primera versión.")
    edit_summary(admin_client, instrument, "Segunda versión.")
    latest, previous = instrument.history.all()[:2]
    assert latest.history_user == admin_user
    assert latest.summary == "Segunda versión."
    changes = latest.diff_against(previous).changes
    assert [(c.field, c.old, c.new) for c in changes] == [
        ("summary", "Primera versión.", "Segunda versión.")
    ]
    page = admin_client.get(reverse("admin:programs_instrument_history", args=[instrument.pk]))
    assert page.status_code == 200
    assert admin_user.username in page.content.decode()


def test_a_change_can_be_reverted_from_the_admin(admin_client):
    instrument = Instrument.objects.get(acronym="PTAT")
    edit_summary(admin_client, instrument, "Primera versión.")
    first = instrument.history.first()
    edit_summary(admin_client, instrument, "Segunda versión.")

    url = reverse(
        "admin:programs_instrument_simple_history", args=[instrument.pk, first.history_id]
    )
    response = admin_client.post(url, admin_form_data(admin_client.get(url)))
    assert response.status_code == 302
    instrument.refresh_from_db()
    assert instrument.summary == "Primera versión."
    assert instrument.history.count() == 3  # the revert is itself recorded


def test_loading_fixtures_writes_no_history():
    assert not Instrument.history.exists()
