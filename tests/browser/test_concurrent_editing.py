"""Two editors in real browsers save the same record: the second sees both values side by
side, keeps or merges, and nothing either typed is lost."""

import os

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from programs.models import Instrument

pytestmark = pytest.mark.browser

PASSWORD = "una-clave-larga-para-pruebas"


@pytest.fixture
def program(transactional_db):
    call_command("load_knowledge_base", verbosity=0)
    for name in ("ana", "beto"):
        User.objects.create_superuser(name, password=PASSWORD)
    return Instrument.objects.get(acronym="PTAT")


def open_form(browser, live_server, name, program):
    page = browser.new_page(locale="es-MX", viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", name)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/programs/instrument/{program.pk}/change/")
    return page


@pytest.mark.parametrize("choice", ["theirs", "merged"])
def test_the_second_editor_chooses_field_by_field(live_server, browser, program, choice):
    ana = open_form(browser, live_server, "ana", program)
    beto = open_form(browser, live_server, "beto", program)
    beto.fill("#id_summary_es_mx", "Resumen guardado por Beto.")
    beto.click("input[name=_save]")
    beto.wait_for_selector(".messagelist .success")

    ana.fill("#id_summary_es_mx", "Resumen escrito por Ana.")
    ana.click("input[name=_save]")
    conflict = ana.locator(".field-summary_es_mx .concurrent-conflict")
    conflict.wait_for()
    assert "Resumen guardado por Beto." in conflict.locator(".conflict-theirs").inner_text()
    assert ana.input_value("#id_summary_es_mx") == "Resumen escrito por Ana."  # nothing lost
    assert ana.is_checked("input[name=summary_es_mx__resolution][value=theirs]")
    if os.environ.get("SCREENSHOT_DIR"):
        conflict.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], "conflict.png"))
        ana.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], "conflict-page.png"))
    if choice == "merged":
        ana.check("input[name=summary_es_mx__resolution][value=merged]")
        ana.fill("#id_summary_es_mx__merge", "Resumen de Beto y de Ana.")
    ana.click("input[name=_save]")
    ana.wait_for_selector(".messagelist .success")

    program.refresh_from_db()
    expected = {"theirs": "Resumen guardado por Beto.", "merged": "Resumen de Beto y de Ana."}
    assert program.summary == expected[choice]
