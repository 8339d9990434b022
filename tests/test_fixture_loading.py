"""`load_knowledge_base` is all or nothing: a bad fixture anywhere in fixtures/ is reported
by file, without a traceback, and the database stays exactly as it was, with or without
--replace. (tests/test_fixtures.py covers a dangling reference with --replace.)"""

import json
import shutil

import pytest
from django.core.management import CommandError, call_command

from core.management.commands import rebuild_search_index
from core.revision import ContentRevision
from programs.models import Place
from tests.dumps import canonical_dump

pytestmark = pytest.mark.usefixtures("knowledge_base")


def edit(fixtures, name, change):
    path = fixtures / f"{name}.json"
    records = json.loads(path.read_text(encoding="utf-8"))
    change(records)
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")


def set_field(name, field, value, index=0):
    def change(records):
        records[index]["fields"][field] = value

    return lambda fixtures: edit(fixtures, name, change)


def truncate(name):
    def damage(fixtures):
        path = fixtures / f"{name}.json"
        text = path.read_text(encoding="utf-8")
        path.write_text(text[: len(text) // 2], encoding="utf-8")

    return damage


def remove(name):
    return lambda fixtures: (fixtures / f"{name}.json").unlink()


# Each in a file loaded after others, so that a load that is not atomic shows.
BAD_FIXTURES = {
    "broken JSON": ("practices.json", truncate("practices")),
    "a wrong field type": ("instruments.json", set_field("instruments", "start_date", "pronto")),
    "a missing foreign key": ("practices.json", set_field("practices", "area", [99])),
    "a value the database refuses": (
        "practices.json",
        set_field("practices", "publication_status", "quizas"),
    ),
    "a missing file": ("synonyms.json", remove("synonyms")),
}


@pytest.fixture
def fixtures(tmp_path, settings):
    """A copy of fixtures/ that loads a new place first: a load that stopped halfway
    would leave it behind."""
    copy = tmp_path / "fixtures"
    shutil.copytree(settings.FIXTURE_DIRS[0], copy)
    new_place = {
        "model": "programs.place",
        "fields": {"code": "ZZ", "name": "Nuevo", "kind": "pais", "citation": "Una fuente."},
    }
    edit(copy, "places", lambda records: records.append(new_place))
    settings.FIXTURE_DIRS = [copy]
    return copy


@pytest.mark.parametrize("bad", BAD_FIXTURES.values(), ids=BAD_FIXTURES.keys())
def test_a_bad_fixture_is_named_and_changes_nothing(fixtures, bad):
    named, damage = bad
    damage(fixtures)
    # An editor's change a reload of places.json would undo.
    Place.objects.filter(code="MX").update(name="México (editado)")
    before = canonical_dump()
    revision = ContentRevision.objects.current().number

    # Updating in place, then replacing (which empties the knowledge base first): a
    # failed attempt leaves nothing behind for the next one.
    for replace in (False, True):
        with pytest.raises(CommandError) as error:
            call_command("load_knowledge_base", replace=replace, verbosity=0)

        assert named in str(error.value)
        assert "Nothing was loaded or changed" in str(error.value)
        assert canonical_dump() == before
        assert not Place.objects.filter(code="ZZ").exists()
        assert ContentRevision.objects.current().number == revision


def test_a_truncated_fixture_is_named_with_the_line_and_the_reason(fixtures):
    path = fixtures / "practices.json"
    text = path.read_text(encoding="utf-8")
    cut = text[: len(text) // 2]
    path.write_text(cut, encoding="utf-8")
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(cut)

    with pytest.raises(CommandError) as error:
        call_command("load_knowledge_base", verbosity=0)

    message = str(error.value)
    assert message.startswith("fixtures/practices.json, line ")
    assert f"line {expected.value.lineno}, column {expected.value.colno}: " in message
    assert expected.value.msg in message  # the reason, which Django's own message leaves out
    assert "Nothing was loaded or changed" in message


def test_a_failed_index_rebuild_undoes_the_load(fixtures, monkeypatch):
    Place.objects.filter(code="MX").update(name="México (editado)")
    before = canonical_dump()

    def fail(self, *args, **options):
        raise RuntimeError("disk full")

    monkeypatch.setattr(rebuild_search_index.Command, "handle", fail)

    with pytest.raises(CommandError, match="search index.*disk full"):
        call_command("load_knowledge_base", replace=True, verbosity=0)

    assert canonical_dump() == before
