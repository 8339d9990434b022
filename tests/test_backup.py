"""`make backup` and `make restore`: a backup restored into an empty database gives back the
same data, and a restore either loads all of a backup or changes nothing."""

import contextlib
import gzip
import io
import json
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.revision import ContentRevision
from core.search.query import parse, suggestion
from core.search.vocabulary import Synonym
from ops import backup
from ops.management.commands import backup as backup_command
from ops.management.commands import restore as restore_command
from practices.models import Practice
from programs.models import Instrument, Place
from tests.dumps import canonical_dump, counts, kept_models
from tests.helpers import admin_form_data
from tests.test_database_timeouts import served_database_url

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "una-clave-larga-para-la-editora"
PTAT = "programa-de-trabajadores-agricolas-temporales-mexico-canada"


def run_backup(path=None):
    out = io.StringIO()
    options = {"output": str(path)} if path else {}
    call_command(backup_command.Command(), stdout=out, **options)
    return out.getvalue()


def run_restore(path, **options):
    out = io.StringIO()
    call_command(restore_command.Command(), str(path), stdout=out, **options)
    return out.getvalue()


def read_backup(path):
    with gzip.open(path, "rt", encoding="utf-8") as file:
        return json.load(file)


def editors_work(client):
    """What a live site holds beyond the fixtures: an editor in a group, an admin edit (in
    the history and the admin log), a deleted instrument whose history rows now point at
    nothing, and an admin log entry for a model that no longer exists."""
    call_command("setup_roles", verbosity=0)
    editor = User.objects.create_user("editora", "editora@example.org", PASSWORD, is_staff=True)
    editor.groups.add(Group.objects.get(name="Editores"))
    editor.user_permissions.add(Permission.objects.get(codename="delete_thematicarea"))
    admin = User.objects.create_superuser("admin", "admin@example.org", PASSWORD)
    client.force_login(admin)
    instrument = Instrument.objects.get(slug=PTAT)
    url = reverse("admin:programs_instrument_change", args=[instrument.pk])
    data = admin_form_data(client.get(url))
    data["summary_es_mx"] = "Resumen editado antes de la copia."
    assert client.post(url, data).status_code == 302
    doomed = Instrument.objects.filter(children=None, participations__isnull=False).last()
    doomed.delete()
    gone = ContentType.objects.create(app_label="retired", model="oldmodel")
    LogEntry.objects.create(user=admin, content_type=gone, object_id="1", action_flag=3)
    return editor


def test_the_backup_holds_every_model_but_those_left_out_on_purpose():
    assert set(backup.backed_up_models()) == set(kept_models())


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_an_empty_database_gives_the_same_data_and_a_working_site(
    tmp_path, client
):
    call_command("load_knowledge_base", verbosity=0)
    editors_work(client)
    before = canonical_dump()
    path = tmp_path / "copia.json.gz"

    with CaptureQueriesContext(connection) as queries:
        output = run_backup(path)
    records = sum(len(before[model._meta.label]) for model in kept_models())
    assert f"{path}: {records} records" in output
    # Read a chunk at a time, links included: not one query per record.
    assert len(queries) < 100

    # A new database: tables empty, content types and permissions numbered anew.
    call_command("flush", interactive=False, verbosity=0)
    old_id = ContentType.objects.get(app_label="programs", model="instrument").pk
    ContentType.objects.filter(app_label="programs").delete()
    call_command("migrate", verbosity=0)
    assert ContentType.objects.get(app_label="programs", model="instrument").pk != old_id
    assert not any(canonical_dump().values())

    output = run_restore(path)

    assert f"Restored {records} records" in output
    after = canonical_dump()
    assert counts(after) == counts(before)
    for label in before:
        assert after[label] == before[label], label
    # The history came through: the admin edit, and the deletion whose rows now point
    # at an instrument that no longer exists.
    assert {row["history_type"] for row in after["programs.HistoricalInstrument"]} == {"~", "-"}
    instruments = {row["id"] for row in after["programs.Instrument"]}
    assert {row["instrument_id"] for row in after["programs.HistoricalParticipation"]} - instruments
    assert User.objects.get(username="editora").check_password(PASSWORD)
    assert User.objects.get(username="editora").has_perm("programs.change_instrument")

    # Search: the restored analyzed text is what the index is built from.
    found = Instrument.objects.search(parse("trabajadores agrícolas temporales"))
    assert PTAT in found.values_list("slug", flat=True)
    # Typo tolerance draws on the restored vocabulary.
    assert suggestion(parse("trabajdores")) == "trabajadores"
    response = client.get("/instrumentos/", {"q": "trabajadores agrícolas"})
    assert response.status_code == 200
    assert PTAT in response.content.decode()
    # New rows take new ids: the sequences follow the restored rows.
    synonym = Synonym.objects.create(terms="alfa, beta")
    assert synonym.pk > max(Synonym.objects.exclude(pk=synonym.pk).values_list("pk", flat=True))
    User.objects.create_user("otra", password=PASSWORD)
    # No cached page from before the restore can be served after it.
    assert ContentRevision.objects.current().number >= 1
    # An editor can sign in and edit.
    client.force_login(User.objects.get(username="editora"))
    instrument = Instrument.objects.get(slug=PTAT)
    url = reverse("admin:programs_instrument_change", args=[instrument.pk])
    data = admin_form_data(client.get(url))
    data["summary_es_mx"] = "Editado después de restaurar."
    assert client.post(url, data).status_code == 302
    assert instrument.history.first().summary == "Editado después de restaurar."


def test_restore_refuses_a_database_with_data_and_changes_nothing(knowledge_base, tmp_path):
    path = tmp_path / "copia.json.gz"
    run_backup(path)
    Instrument.objects.filter(slug=PTAT).update(summary="Cambiado después de la copia.")
    before = canonical_dump()

    with pytest.raises(CommandError, match="already holds data.*--replace"):
        run_restore(path)

    assert canonical_dump() == before


def test_a_user_alone_makes_a_database_not_empty(empty_database, tmp_path):
    path = tmp_path / "copia.json.gz"
    run_backup(path)
    User.objects.create_user("solitaria", password=PASSWORD)

    with pytest.raises(CommandError, match="1 auth.User"):
        run_restore(path)

    assert list(User.objects.values_list("username", flat=True)) == ["solitaria"]


def test_replace_puts_the_backup_in_place_of_everything(knowledge_base, tmp_path):
    path = tmp_path / "copia.json.gz"
    run_backup(path)
    backed_up = canonical_dump()
    Instrument.objects.filter(slug=PTAT).update(summary="Cambiado después de la copia.")
    Practice.objects.last().delete()
    Place.objects.create(code="XX", name="Nuevo", kind="pais", citation="Una fuente.")
    User.objects.create_user("nueva", password=PASSWORD)
    session = SessionStore()
    session["dato"] = 1
    session.create()
    revision = ContentRevision.objects.current().number

    run_restore(path, replace=True)

    assert canonical_dump() == backed_up
    assert not Session.objects.exists()
    assert ContentRevision.objects.current().number > revision


def small_database():
    """A few rows of several kinds: enough to see a restore change anything."""
    User.objects.create_user("editora", password=PASSWORD)
    Group.objects.create(name="Editores").permissions.add(
        Permission.objects.get(codename="change_instrument")
    )
    mexico = Place.objects.create(code="MX", name="México", kind="pais", citation="Fuente.")
    Place.objects.create(
        code="MX-CHP", name="Chiapas", kind="estado", country=mexico, citation="F."
    )


def place(pk, **fields):
    return json.dumps({"model": "programs.place", "pk": pk, "fields": fields})


def with_line(text, line, before_last=False):
    """The backup's text with `line` (a record, without its comma) inserted after the
    first record, or before the last."""
    lines = text.splitlines()
    lines.insert(len(lines) - 2 if before_last else 2, line + ",")
    return "\n".join(lines) + "\n"


CORRUPTIONS = {
    "cut short": lambda data, text: data[: len(data) * 2 // 3],
    "damaged bytes": lambda data, text: (
        data[:40] + bytes(b ^ 0x55 for b in data[40:60]) + data[60:]
    ),
    "last lines lost": lambda data, text: gzip.compress("\n".join(text.splitlines()[:-2]).encode()),
    "trailing comma": lambda data, text: gzip.compress(text.replace("\n]", ",\n]").encode()),
    "not json": lambda data, text: gzip.compress(with_line(text, "{not json}").encode()),
    "unknown model": lambda data, text: gzip.compress(
        with_line(text, '{"model": "programs.nothing", "pk": 1, "fields": {}}').encode()
    ),
    "a model backups leave out": lambda data, text: gzip.compress(
        with_line(
            text,
            '{"model": "contenttypes.contenttype", "pk": 999, '
            '"fields": {"app_label": "x", "model": "y"}}',
        ).encode()
    ),
    "wrong field type": lambda data, text: gzip.compress(
        with_line(
            text, place(90, code="ZZ", name="Z", kind="pais", citation="F.", created_at="ayer")
        ).encode()
    ),
    "unknown field": lambda data, text: gzip.compress(
        with_line(text, place(91, code="ZY", name="Z", kind="pais", colour="red")).encode()
    ),
    "dangling reference": lambda data, text: gzip.compress(
        with_line(
            text, place(92, code="ZZ-A", name="Z", kind="estado", country=999, citation="F.")
        ).encode()
    ),
    "constraint violated": lambda data, text: gzip.compress(
        with_line(text, place(93, code="ZX", name="Z", kind="pais")).encode()  # no source
    ),
    "the same record twice": lambda data, text: gzip.compress(
        with_line(text, text.splitlines()[1].removesuffix(",")).encode()
    ),
    "not a backup": lambda data, text: b"Esto no es una copia.\n",
    "empty file": lambda data, text: b"",
}


@pytest.mark.parametrize("damage", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_a_damaged_backup_fails_cleanly_and_changes_nothing(empty_database, tmp_path, damage):
    small_database()
    good = tmp_path / "copia.json.gz"
    run_backup(good)
    data = good.read_bytes()
    bad = tmp_path / "mala.json.gz"
    bad.write_bytes(damage(data, gzip.decompress(data).decode()))
    before = canonical_dump()
    revision = ContentRevision.objects.current()
    revision = (revision.number, revision.changed_at)

    # --replace empties the database first: the failure must undo that too.
    with pytest.raises(CommandError) as error:
        run_restore(bad, replace=True)

    assert str(bad) in str(error.value)
    assert "Nothing was restored" in str(error.value)
    assert canonical_dump() == before
    current = ContentRevision.objects.current()
    assert (current.number, current.changed_at) == revision


# Damage to one record, each inserted in the middle of many others of its model: the
# restore inserts records in batches, and must still name the damaged one's line.
RECORD_DAMAGE = {
    "not json": lambda text: "{not json}",
    "unknown model": lambda text: '{"model": "programs.nothing", "pk": 1, "fields": {}}',
    "wrong field type": lambda text: place(
        9990, code="ZZ", name="Z", kind="pais", citation="F.", created_at="ayer"
    ),
    "unknown field": lambda text: place(9991, code="ZY", name="Z", kind="pais", colour="red"),
    "dangling reference": lambda text: place(
        9992, code="ZZ-A", name="Z", kind="estado", country=99999, citation="F."
    ),
    "constraint violated": lambda text: place(9993, code="ZX", name="Z", kind="pais"),
    # An earlier record again, after it.
    "the same record twice": lambda text: places_in(text)[3].removesuffix(","),
    # A user in a group that is not there: a link, which the restore inserts apart.
    "dangling link": lambda text: another_user(text, groups=[99999]),
}


def another_user(text, **fields):
    (line,) = [line for line in text.splitlines() if '"model": "auth.user"' in line]
    record = json.loads(line.removesuffix(","))
    record["pk"] = 9994
    record["fields"].update(username="otra", **fields)
    return json.dumps(record)


def places_in(text):
    return [line for line in text.splitlines() if '"model": "programs.place"' in line]


@pytest.mark.parametrize("damage", RECORD_DAMAGE.values(), ids=RECORD_DAMAGE.keys())
def test_a_damaged_record_is_named_by_its_own_line(empty_database, tmp_path, damage):
    small_database()
    Place.objects.bulk_create(
        Place(code=f"Z{n:03}", name=f"Lugar {n}", kind="pais", citation="F.")
        for n in range(1500)  # more than one batch of inserts
    )
    good = tmp_path / "copia.json.gz"
    run_backup(good)
    lines = gzip.decompress(good.read_bytes()).decode().splitlines()
    # In the middle of a batch: 700 places after the first.
    at = lines.index(places_in("\n".join(lines))[700]) + 1
    lines.insert(at, damage("\n".join(lines)) + ",")
    bad = tmp_path / "mala.json.gz"
    bad.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))

    with pytest.raises(CommandError) as error:
        run_restore(bad, replace=True)

    assert f"{bad}, line {at + 1}: " in str(error.value)
    assert "Nothing was restored" in str(error.value)


class Undo(Exception):
    pass


def test_a_backup_failing_halfway_into_an_empty_database_leaves_it_empty(empty_database, tmp_path):
    path = tmp_path / "copia.json.gz"
    with contextlib.suppress(Undo), transaction.atomic():
        small_database()
        run_backup(path)
        raise Undo  # the database is empty again
    text = gzip.decompress(path.read_bytes()).decode()
    path.write_bytes(gzip.compress(with_line(text, "{broken", before_last=True).encode()))
    assert not any(canonical_dump().values())

    with pytest.raises(CommandError, match=", line "):
        run_restore(path)

    assert not any(canonical_dump().values())


def test_the_default_backup_is_private_and_named_by_its_utc_time(
    empty_database, tmp_path, settings
):
    settings.BACKUP_DIR = tmp_path / "backups"
    umask = os.umask(0)  # the most permissive: the file must be private all the same
    try:
        output = run_backup()
    finally:
        os.umask(umask)

    (path,) = settings.BACKUP_DIR.iterdir()
    assert re.fullmatch(r"buenas-practicas-\d{8}T\d{6}Z\.json\.gz", path.name)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(settings.BACKUP_DIR.stat().st_mode) == 0o700
    assert str(path) in output
    # Plain JSON inside: readable without this project.
    assert read_backup(path) == []


def test_an_empty_database_backs_up_and_restores(empty_database, tmp_path):
    path = tmp_path / "vacia.json.gz"
    revision = ContentRevision.objects.current().number
    assert ": 0 records" in run_backup(path)
    assert gzip.decompress(path.read_bytes()) == b"[\n]\n"

    assert "Restored 0 records" in run_restore(path)

    assert not any(canonical_dump().values())
    assert ContentRevision.objects.current().number == revision + 1


@pytest.mark.postgresql
def test_a_restore_leaves_postgresql_statistics_of_what_it_loaded(knowledge_base, tmp_path):
    """So that the planner does not plan the pages' queries for the tables as they were
    before (autovacuum may be late, or off)."""
    path = tmp_path / "copia.json.gz"
    run_backup(path)
    run_restore(path, replace=True)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)",
            [["programs_instrument", "programs_instrument_target_groups"]],
        )
        estimated = dict(cursor.fetchall())
    assert estimated == {
        "programs_instrument": Instrument.objects.count(),
        "programs_instrument_target_groups": Instrument.target_groups.through.objects.count(),
    }


def test_a_backup_never_overwrites_a_file(empty_database, tmp_path):
    path = tmp_path / "copia.json.gz"
    path.write_bytes(b"anterior")

    with pytest.raises(CommandError, match="already exists"):
        run_backup(path)

    assert path.read_bytes() == b"anterior"


class PowerCut(Exception):
    pass


def interrupt(stop):
    """Replace the serializer's end_object so that the 100th record calls `stop`."""
    written = []

    def end_object(self, obj):
        written.append(obj)
        if len(written) == 100:
            stop()

    return end_object


def power_cut():
    raise PowerCut


def terminated():
    os.kill(os.getpid(), signal.SIGTERM)


@pytest.mark.parametrize(
    "file, stop, raised",
    [
        # On Linux the file has no name until complete: nothing to clean up.
        ("unnamed", power_cut, PowerCut),
        # Elsewhere, a hidden file, removed on an error and on SIGTERM.
        ("named", power_cut, PowerCut),
        ("named", terminated, SystemExit),
    ],
)
def test_an_interrupted_backup_leaves_no_file(
    knowledge_base, tmp_path, monkeypatch, file, stop, raised
):
    if file == "named":
        monkeypatch.delattr(os, "O_TMPFILE")
    monkeypatch.setattr(backup.BackupSerializer, "end_object", interrupt(stop))

    with pytest.raises(raised):
        run_backup(tmp_path / "copia.json.gz")

    assert list(tmp_path.iterdir()) == []


def test_a_backup_written_through_a_named_file_is_private(empty_database, tmp_path, monkeypatch):
    monkeypatch.delattr(os, "O_TMPFILE")
    path = tmp_path / "copia.json.gz"
    umask = os.umask(0)
    try:
        run_backup(path)
    finally:
        os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize("kill", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_backup_killed_while_writing_leaves_no_file(tmp_path, served_copy, kill):
    """`make backup` stopped by the system (a shutdown, the OOM killer, a timeout)."""
    directory = tmp_path / "copias"
    directory.mkdir()
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "backup", "--output", str(directory / "copia.json.gz")],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "ops.settings",
            "DJANGO_SECRET_KEY": "x",
            "DATABASE_URL": served_copy,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Once it is writing: a file under the directory is open in the process.
        deadline = time.monotonic() + 60
        while not writing_into(process.pid, directory):
            assert process.poll() is None, "the backup finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.002)
        process.send_signal(kill)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -kill
    assert list(directory.iterdir()) == []


def writing_into(pid, directory):
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                if os.readlink(fd).startswith(f"{directory}/"):
                    return True
    return False


@pytest.fixture
def served_copy(db, tmp_path):
    """The test database (the knowledge base in it), where another process can read it."""
    if connection.vendor == "postgresql":
        return served_database_url()
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)
    return f"sqlite:///{path}"


def test_the_backup_keeps_full_precision_and_the_analyzed_text(knowledge_base, tmp_path):
    moment = "2024-05-06T07:08:09.123456+00:00"
    Instrument.objects.filter(slug=PTAT).update(updated_at=moment)
    path = tmp_path / "copia.json.gz"
    run_backup(path)

    (record,) = [r for r in read_backup(path) if r["fields"].get("slug") == PTAT]
    assert record["fields"]["updated_at"] == "2024-05-06T07:08:09.123456Z"
    assert record["fields"]["search_a"]  # the analyzed text the search index is built from


@pytest.mark.postgresql  # SQLite's test database is in memory: one connection only
@pytest.mark.django_db(transaction=True)
def test_a_backup_is_one_moment_even_while_an_editor_saves(tmp_path, monkeypatch):
    """An editor's save committed halfway through the backup is not in it (PostgreSQL
    reads every table at the snapshot of the backup's first query)."""
    Group.objects.create(name="Editores")
    original = backup.BackupSerializer.end_object

    def editor_saves():
        Synonym.objects.create(terms="guardado, durante la copia")
        connection.close()

    def end_object(self, obj):
        original(self, obj)
        if isinstance(obj, Group):
            thread = threading.Thread(target=editor_saves)
            thread.start()
            thread.join()

    monkeypatch.setattr(backup.BackupSerializer, "end_object", end_object)
    path = tmp_path / "copia.json.gz"
    run_backup(path)

    assert Synonym.objects.filter(terms__startswith="guardado").exists()
    assert [r["model"] for r in read_backup(path)] == ["auth.group"]
