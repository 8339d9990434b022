"""The editor journey in a real browser: log in, add a target group to a program,
publish it, and find it on the public page."""

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from core.records import PublicationStatus
from programs.models import Instrument

pytestmark = pytest.mark.browser

PASSWORD = "una-clave-larga-para-pruebas"


@pytest.fixture
def draft_program(transactional_db):
    call_command("load_knowledge_base", verbosity=0)
    call_command("setup_roles", verbosity=0)
    editor = User.objects.create_user("editora", password=PASSWORD, is_staff=True)
    editor.groups.add(Group.objects.get(name="Editores"))
    program = Instrument.objects.get(acronym="PLM")
    program.publication_status = PublicationStatus.DRAFT
    program.save()
    return program


def test_an_editor_adds_a_group_publishes_and_the_public_sees_it(
    live_server, browser, draft_program
):
    public_url = live_server.url + draft_program.get_absolute_url()
    visitor = browser.new_page(locale="es-MX")
    assert visitor.goto(public_url).status == 404

    page = browser.new_page(locale="es-MX")
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "editora")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/programs/instrument/{draft_program.pk}/change/")

    page.click(".field-target_groups .select2-selection")
    page.keyboard.type("Mujeres")
    page.click(".select2-results__option:has-text('Mujeres')")
    page.select_option("#id_publication_status", PublicationStatus.PUBLISHED)
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")

    draft_program.refresh_from_db()
    assert draft_program.publication_status == PublicationStatus.PUBLISHED
    assert draft_program.target_groups.filter(slug="mujeres").exists()
    response = visitor.goto(public_url)
    assert response.status == 200
    assert visitor.locator("dd a", has_text="Mujeres").count() == 1
