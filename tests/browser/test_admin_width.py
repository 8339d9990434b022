"""The admin's instrument form fits a 1280 px screen: the participants table and the
source document's select stay within the page, with no sideways scrolling."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from programs.models import Instrument

pytestmark = pytest.mark.browser

PASSWORD = "una-clave-larga-para-pruebas"


@pytest.fixture
def instrument(transactional_db):
    call_command("load_knowledge_base", verbosity=0)
    User.objects.create_superuser("jefa", password=PASSWORD)
    # The instrument with the longest participant citations.
    return max(
        Instrument.objects.all(),
        key=lambda record: sum(len(p.citation) for p in record.participations.all()),
    )


def test_the_participants_table_fits_a_1280_px_screen(live_server, browser, instrument):
    page = browser.new_page(locale="es-MX", viewport={"width": 1280, "height": 800})
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "jefa")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/programs/instrument/{instrument.pk}/change/")
    page.wait_for_selector("#participations-group table")

    measured = page.evaluate(
        """() => {
          const group = document.querySelector('#participations-group');
          const overflowing = [...document.querySelectorAll(
              '#participations-group *, .field-source *, [class*="field-source"] *'
            )]
            .filter((el) => el.offsetParent && el.getBoundingClientRect().right > innerWidth + 1)
            .map((el) => `${el.tagName}#${el.id}.${el.className}`);
          return {
            page: document.documentElement.scrollWidth,
            table: group.querySelector('table').scrollWidth,
            group: group.clientWidth,
            overflowing,
          };
        }"""
    )
    page.close()
    assert measured["page"] <= 1280, measured
    assert measured["table"] <= measured["group"], measured
    assert measured["overflowing"] == [], measured
