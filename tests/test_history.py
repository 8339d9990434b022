"""Every change is recorded with who, when and what, and can be undone."""

import pytest
from django.urls import reverse

from practices.models import Practice
from programs.models import Instrument, Place, TargetGroup
from tests.helpers import admin_form_data

pytestmark = pytest.mark.usefixtures("knowledge_base")


def edit_summary(admin_client, instrument, summary):
    url = reverse("admin:programs_instrument_change", args=[instrument.pk])
    data = admin_form_data(admin_client.get(url))
    data["summary_es_mx"] = summary
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


def save_form(admin_client, record, **changes):
    url = reverse(
        f"admin:{record._meta.app_label}_{record._meta.model_name}_change", args=[record.pk]
    )
    data = admin_form_data(admin_client.get(url))
    data.update(changes)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def test_link_changes_are_recorded(admin_client):
    instrument = Instrument.objects.get(acronym="PTAT")
    group = TargetGroup.objects.exclude(instruments=instrument).first()
    before = [g.pk for g in instrument.target_groups.all()]
    save_form(admin_client, instrument, target_groups=[*before, group.pk])
    latest = instrument.history.first()
    recorded = {row.targetgroup_id for row in latest.target_groups.all()}
    assert recorded == {*before, group.pk}
    first = instrument.history.last()
    changed = {change.field for change in latest.diff_against(first).changes}
    assert "target_groups" in changed
    page = admin_client.get(reverse("admin:programs_instrument_history", args=[instrument.pk]))
    assert page.status_code == 200
    assert group.name in page.content.decode()  # the history page shows the new link


def test_reverting_restores_the_links(admin_client):
    instrument = Instrument.objects.get(acronym="PTAT")
    other = Instrument.objects.get(acronym="TVTF")
    place = Place.objects.exclude(instruments=instrument).first()
    save_form(admin_client, instrument, summary_es_mx="Primera versión.")
    first = instrument.history.first()
    links = {
        name: set(getattr(instrument, name).values_list("pk", flat=True))
        for name in ("target_groups", "places", "legal_basis", "related")
    }
    save_form(
        admin_client,
        instrument,
        summary_es_mx="Segunda versión.",
        target_groups=[TargetGroup.objects.exclude(pk__in=links["target_groups"]).first().pk],
        places=[*links["places"], place.pk],
        related=[*links["related"], other.pk],
    )
    assert other in instrument.related.all()

    url = reverse(
        "admin:programs_instrument_simple_history", args=[instrument.pk, first.history_id]
    )
    response = admin_client.post(url, admin_form_data(admin_client.get(url)))
    assert response.status_code == 302
    instrument.refresh_from_db()
    assert instrument.summary == "Primera versión."
    for name, pks in links.items():
        assert set(getattr(instrument, name).values_list("pk", flat=True)) == pks, name
    assert instrument not in other.related.all()  # the link is gone from both sides


def test_a_practices_instruments_are_recorded_and_restored(admin_client):
    practice = Practice.objects.get(slug="programa-3x1-para-migrantes")
    save_form(admin_client, practice, summary_es_mx="Primera versión.")
    first = practice.history.first()
    before = set(practice.instruments.values_list("pk", flat=True))
    extra = Instrument.objects.exclude(pk__in=before).first()
    save_form(admin_client, practice, instruments=[*before, extra.pk])
    assert {row.instrument_id for row in practice.history.first().instruments.all()} == {
        *before,
        extra.pk,
    }
    url = reverse("admin:practices_practice_simple_history", args=[practice.pk, first.history_id])
    assert admin_client.post(url, admin_form_data(admin_client.get(url))).status_code == 302
    assert set(practice.instruments.values_list("pk", flat=True)) == before
