"""Who may do what in the admin: anonymous, staff without rights, editors, administrators."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.urls import reverse

from core.records import PublicationStatus
from practices.models import Practice
from programs.models import Instrument

pytestmark = pytest.mark.usefixtures("knowledge_base")

CHANGELIST = reverse("admin:programs_instrument_changelist")


@pytest.fixture
def editor(client):
    call_command("setup_roles", verbosity=0)
    user = User.objects.create_user("editora", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Editores"))
    client.force_login(user)
    return client


def lone_instrument(status):
    """An instrument nothing else links to, so only the permission decides its deletion."""
    return Instrument.objects.create(
        slug=f"prueba-{status}",
        name="Instrumento de prueba",
        kind="programa",
        summary="Prueba.",
        source_quote="Prueba.",
        publication_status=status,
    )


def delete(client, instrument):
    url = reverse("admin:programs_instrument_delete", args=[instrument.pk])
    return client.post(url, {"post": "yes"})


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_staff_without_rights_see_nothing(client):
    client.force_login(User.objects.create_user("sin-permisos", password="x", is_staff=True))
    assert client.get(CHANGELIST).status_code == 403


def test_editors_add_and_change_content(editor):
    law = Instrument.objects.get(acronym="LM")
    assert editor.get(CHANGELIST).status_code == 200
    assert editor.get(reverse("admin:programs_instrument_add")).status_code == 200
    assert editor.get(reverse("admin:programs_instrument_change", args=[law.pk])).status_code == 200
    assert editor.get(reverse("admin:practices_practice_changelist")).status_code == 200


def test_editors_cannot_delete_published_records(editor):
    instrument = lone_instrument(PublicationStatus.PUBLISHED)
    assert delete(editor, instrument).status_code == 403
    assert Instrument.objects.filter(pk=instrument.pk).exists()


def unpublish(client, model, record):
    """The admin's bulk action, as an editor would run it before deleting."""
    changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.post(changelist, {"action": "unpublish", "_selected_action": [record.pk]})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.publication_status == PublicationStatus.DRAFT


def delete_url(record):
    opts = record._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[record.pk])


NOTHING_RESTS_ON = {Instrument: {"children": None, "rests_on_it": None}, Practice: {}}


@pytest.mark.parametrize("model", [Instrument, Practice])
def test_editors_cannot_delete_a_shipped_record_by_unpublishing_it_first(editor, model):
    # Loaded from the fixtures, published, with no history of its own yet.
    record = model.objects.published().filter(**NOTHING_RESTS_ON[model]).order_by("pk").last()
    if model is Instrument:
        # Practices that list it would stop the deletion too; an editor can unlink them.
        record.practices.clear()
    unpublish(editor, model, record)
    assert editor.post(delete_url(record), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=record.pk).exists()
    assert editor.get(delete_url(record)).status_code == 403


def test_editors_cannot_delete_a_record_that_was_published_once(editor):
    instrument = lone_instrument(PublicationStatus.DRAFT)
    for status in (PublicationStatus.PUBLISHED, PublicationStatus.ARCHIVED):
        instrument.publication_status = status
        instrument.save()
    assert delete(editor, instrument).status_code == 403
    assert Instrument.objects.filter(pk=instrument.pk).exists()


def test_administrators_may_delete_a_record_that_was_published_once(admin_client, editor):
    instrument = lone_instrument(PublicationStatus.PUBLISHED)
    unpublish(editor, Instrument, instrument)
    assert delete(admin_client, instrument).status_code == 302
    assert not Instrument.objects.filter(pk=instrument.pk).exists()


def test_editors_may_delete_drafts(editor):
    instrument = lone_instrument(PublicationStatus.DRAFT)
    assert delete(editor, instrument).status_code == 302
    assert not Instrument.objects.filter(pk=instrument.pk).exists()


def test_editors_do_not_manage_users(editor):
    assert editor.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert editor.get(reverse("admin:auth_group_changelist")).status_code == 403


def test_administrators_may_delete_published_records(admin_client):
    instrument = lone_instrument(PublicationStatus.PUBLISHED)
    assert delete(admin_client, instrument).status_code == 302
    assert not Instrument.objects.filter(pk=instrument.pk).exists()


def test_setup_roles_is_idempotent():
    call_command("setup_roles", verbosity=0)
    first = set(Group.objects.get(name="Editores").permissions.values_list("codename", flat=True))
    call_command("setup_roles", verbosity=0)
    again = set(Group.objects.get(name="Editores").permissions.values_list("codename", flat=True))
    assert first == again
    assert "delete_user" not in again and "change_user" not in again


def test_editors_publish_and_unpublish_in_bulk(editor):
    drafts = [lone_instrument(PublicationStatus.DRAFT)]
    ids = [str(instrument.pk) for instrument in drafts]
    editor.post(CHANGELIST, {"action": "publish", "_selected_action": ids})
    assert Instrument.objects.get(pk=ids[0]).publication_status == PublicationStatus.PUBLISHED
    assert editor.get(drafts[0].get_absolute_url()).status_code == 200
    editor.post(CHANGELIST, {"action": "unpublish", "_selected_action": ids})
    assert Instrument.objects.get(pk=ids[0]).publication_status == PublicationStatus.DRAFT


@pytest.mark.parametrize("status", [PublicationStatus.DRAFT, PublicationStatus.ARCHIVED])
def test_unpublished_records_show_to_staff_with_a_banner_and_to_nobody_else(client, status):
    instrument = lone_instrument(status)
    assert client.get(instrument.get_absolute_url()).status_code == 404
    client.force_login(User.objects.create_user("personal", password="x", is_staff=True))
    page = client.get(instrument.get_absolute_url()).content.decode()
    assert 'class="draft-banner"' in page
    assert instrument.name in page


def test_published_records_carry_no_banner(admin_client):
    law = Instrument.objects.get(acronym="LM")
    assert 'class="draft-banner"' not in admin_client.get(law.get_absolute_url()).content.decode()


def test_admin_filters_instruments_by_stated_status(admin_client):
    response = admin_client.get(CHANGELIST, {"estado": "concluido"})
    found = {instrument.acronym for instrument in response.context["cl"].result_list}
    # The PTRM 2017's end is only announced («concluirá»): no status is derived from it.
    assert found == {"PTRM 2008", "PTRM 2015"}
