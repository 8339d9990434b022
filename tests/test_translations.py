"""The English interface is complete: every Spanish string the templates and the code
mark for translation has an English translation in the compiled catalogue the site
serves. A string added without `make messages` and a translation shows Spanish on
English pages (the browser checks catch it only on the pages they visit)."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.mo"
# A literal with no placeholders: {% translate "…" %} in templates, _("…") or
# gettext_lazy("…") in code. Strings built from variables are checked by the pages.
TEMPLATE_STRING = re.compile(r'{%\s*(?:translate|trans)\s+"([^"]+)"(?:\s+as\s+\w+)?\s*%}')
CODE_STRING = re.compile(r'\b(?:_|gettext|gettext_lazy)\(\s*"([^"\\]+)"\s*[,)]')
SKIPPED_FOLDERS = {".venv", "var", "tests", "node_modules", "migrations"}


def marked_strings(pattern, suffix):
    for path in ROOT.rglob(f"*{suffix}"):
        if SKIPPED_FOLDERS.intersection(path.relative_to(ROOT).parts):
            continue
        for text in pattern.findall(path.read_text(encoding="utf-8")):
            yield path.relative_to(ROOT), text


class Untranslated(gettext.NullTranslations):
    """Answers for a string the catalogue lacks (an English word may be its own
    translation, so comparing the answer with the string would not tell)."""

    def gettext(self, message):
        return UNTRANSLATED


UNTRANSLATED = object()


@pytest.fixture(scope="module")
def english():
    with CATALOGUE.open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    catalogue.add_fallback(Untranslated())
    return catalogue


@pytest.mark.parametrize(("pattern", "suffix"), [(TEMPLATE_STRING, ".html"), (CODE_STRING, ".py")])
def test_every_marked_string_has_an_english_translation(english, pattern, suffix):
    found = list(marked_strings(pattern, suffix))
    assert found, "the pattern finds the strings the site marks"
    missing = sorted(
        f"{path}: {text}" for path, text in found if english.gettext(text) is UNTRANSLATED
    )
    assert missing == [], "run `make messages` and translate: " + "; ".join(missing)
