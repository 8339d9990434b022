"""A backup of the whole database as one file, and its restore (`manage.py backup` and
`manage.py restore`, `make backup` and `make restore`).

The file is gzipped JSON in the shape `dumpdata` writes, one record per line:

    [
    {"model": "auth.user", "pk": 1, "fields": {...}},
    {"model": "programs.instrument", "pk": 7, "fields": {...}}
    ]

It is plain JSON, so any tool (and `loaddata`, for a small database) can read it, and the
restore reads it a line at a time, so neither side ever holds the database in memory.

What it keeps, and how:

* Every model's rows with their primary keys: the change history refers to records by
  id without a database constraint (it outlives deleted records), and the admin log by
  id as text, so ids must survive the round trip; natural keys alone would renumber them.
* References to content types and permissions by natural key: `migrate` recreates those
  rows on any new database, with ids of its own, so they are left out of the file.
* Not the sessions (a restore logs everyone out, which is safer than resurrecting logins
  into a database whose users may differ), nor django-axes's tables (login-failure
  counters that expire after AXES_COOLOFF_TIME and a log of addresses trying to log in:
  transient security state and personal data, not content), nor the content revision
  (the cache's clock: the restore moves it forward instead, so no cached page from before
  the restore is served after it).

Every other model, including one added later, is kept: the list is of what is left out.
"""

import datetime
import gzip
import io
import json
import os
import signal
import tempfile
import threading
from contextlib import contextmanager
from itertools import chain

from django.apps import apps
from django.core.serializers import python, sort_dependencies
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.json import Serializer as JSONSerializer
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db import models as models_module
from django.utils.timezone import is_aware

# Recreated by `migrate`: referred to by natural key, never written.
RECREATED = {"contenttypes.ContentType", "auth.Permission"}
# Deliberately not kept (see the module's docstring).
LEFT_OUT = {"sessions.Session", "core.ContentRevision"}
LEFT_OUT_APPS = {"axes"}

CHUNK = 1000  # records per query when writing, per INSERT batch when restoring


def backed_up_models():
    """Every model whose rows the backup holds, in an order that lists what a natural key
    depends on first (as `dumpdata` does; the restore does not need it)."""
    models = [
        model
        for model in apps.get_models()
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.label not in RECREATED | LEFT_OUT
        and model._meta.app_label not in LEFT_OUT_APPS
    ]
    return sort_dependencies([(None, models)], allow_cycles=True)


def link_models(models):
    """The tables behind the many-to-many fields of `models` that the fields themselves
    serialize (not those with a model of their own, which is backed up as a model)."""
    return [
        field.remote_field.through
        for model in models
        for field in model._meta.local_many_to_many
        if field.remote_field.through._meta.auto_created
    ]


def backup_filename(now=None):
    now = now or datetime.datetime.now(datetime.UTC)
    return f"buenas-practicas-{now:%Y%m%dT%H%M%SZ}.json.gz"


# Writing ----------------------------------------------------------------------------


class Encoder(DjangoJSONEncoder):
    """DjangoJSONEncoder keeps only milliseconds of a time: a backup keeps all of it."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        if isinstance(o, datetime.time) and not is_aware(o):
            return o.isoformat()
        return super().default(o)


class BackupSerializer(JSONSerializer):
    """dumpdata's JSON, one record per line, with the choices described above: primary
    keys always, natural keys only for references to what `migrate` recreates."""

    def start_serialization(self):
        self._init_options()
        self.stream.write("[\n")

    def end_object(self, obj):
        if not self.first:
            self.stream.write(",\n")
        record = self.get_dump_object(obj)
        self.stream.write(json.dumps(record, cls=Encoder, ensure_ascii=False))
        self._current = None

    def end_serialization(self):
        self.stream.write("]\n" if self.first else "\n]\n")

    def handle_fk_field(self, obj, field):
        remote = field.remote_field.model
        if remote._meta.label not in RECREATED:
            self._current[field.name] = self._value_from_field(obj, field)
        elif remote._meta.label == "contenttypes.ContentType":
            # From the content types' cache: one query per type, not one per row.
            pk = getattr(obj, field.attname)
            self._current[field.name] = (
                None if pk is None else remote.objects.get_for_id(pk).natural_key()
            )
        else:
            related = getattr(obj, field.name)
            self._current[field.name] = related.natural_key() if related else None

    def handle_m2m_field(self, obj, field):
        # records() attached the targets' ids, named where they must be.
        if field.remote_field.through._meta.auto_created:
            self._current[field.name] = obj.backup_links[field.name]


def records(models, using):
    """Every row of `models`, in primary-key order, a chunk at a time (by key, so no
    cursor stays open), each with `backup_links`: the targets of its many-to-many fields,
    read for the whole chunk at once, straight from the link tables."""
    names = {}  # {model: {pk: natural key}} for the targets written by name
    for model in models:
        fields = [
            field
            for field in model._meta.local_many_to_many
            if field.remote_field.through._meta.auto_created
        ]
        for field in fields:
            remote = field.remote_field.model
            if remote._meta.label in RECREATED and remote not in names:
                rows = remote._base_manager.using(using)
                if remote._meta.label == "auth.Permission":
                    rows = rows.select_related("content_type")
                names[remote] = {row.pk: row.natural_key() for row in rows}
        queryset = model._base_manager.using(using).order_by("pk")
        last = None
        while True:
            chunk = list((queryset if last is None else queryset.filter(pk__gt=last))[:CHUNK])
            if not chunk:
                break
            last = chunk[-1].pk
            links = {obj.pk: {field.name: [] for field in fields} for obj in chunk}
            for field in fields:
                through = field.remote_field.through
                source = through._meta.get_field(field.m2m_field_name()).attname
                target = through._meta.get_field(field.m2m_reverse_field_name()).attname
                rows = (
                    through._base_manager.using(using)
                    .filter(**{f"{source}__in": list(links)})
                    .order_by(source, target)
                    .values_list(source, target)
                )
                named = names.get(field.remote_field.model)
                for source_pk, target_pk in rows:
                    links[source_pk][field.name].append(
                        target_pk if named is None else named[target_pk]
                    )
            for obj in chunk:
                obj.backup_links = links[obj.pk]
                yield obj
            if len(chunk) < CHUNK:
                break


def write_backup(path, models, using):
    """Write the backup to `path`, readable by its owner only (it holds password hashes).
    The file gets its name only once complete and on disk; until then nothing is left
    behind, however the backup ends (see `unnamed_file`). Returns the record count."""
    directory = os.path.dirname(os.path.abspath(path))
    with unnamed_file(directory) as (raw, publish):
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6) as compressed:
            text = io.TextIOWrapper(compressed, encoding="utf-8", newline="\n")
            counter = Counter(records(models, using))
            BackupSerializer().serialize(counter, stream=text)
            text.flush()
            text.detach()
        raw.flush()
        os.fsync(raw.fileno())
        publish(path)
    sync_directory(directory)
    return counter.count


@contextmanager
def unnamed_file(directory):
    """A new file in `directory`, mode 0600, and the function that names it (never over an
    existing file). Where the system offers it (Linux: O_TMPFILE), the file has no name
    until then, so it vanishes with the process whatever stops it, SIGKILL included.
    Elsewhere it is a hidden temporary file, removed on any error, interrupt or SIGTERM;
    only a SIGKILL leaves it behind."""
    try:
        fd = os.open(directory, os.O_TMPFILE | os.O_WRONLY, 0o600)
    except (AttributeError, OSError):
        fd = None
    if fd is not None:

        def publish(path):
            # linkat(2) with AT_SYMLINK_FOLLOW, as open(2) shows for O_TMPFILE; os.link
            # calls it only when given a directory descriptor.
            target = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
            try:
                os.link(
                    f"/proc/self/fd/{fd}",
                    os.path.basename(path),
                    dst_dir_fd=target,
                    follow_symlinks=True,
                )
            finally:
                os.close(target)

        with os.fdopen(fd, "wb") as raw:
            yield raw, publish
        return
    # mkstemp creates the file with mode 0600 whatever the umask.
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".backup-", suffix=".tmp")
    try:
        with terminated_as_exit(), os.fdopen(fd, "wb") as raw:
            yield raw, lambda path: os.link(temporary, path)
    finally:
        os.unlink(temporary)


@contextmanager
def terminated_as_exit():
    """SIGTERM raises SystemExit meanwhile, so that cleanup runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def exit_(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, exit_)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class Counter:
    def __init__(self, iterable):
        self.iterable, self.count = iterable, 0

    def __iter__(self):
        for item in self.iterable:
            self.count += 1
            yield item


def sync_directory(directory):
    """Make the rename itself durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# Reading ----------------------------------------------------------------------------


class BackupFormatError(Exception):
    def __init__(self, message, after=False):
        super().__init__(message)
        # Whether what is wrong lies after the line last read, rather than on it.
        self.after = after


class RecordError(Exception):
    """An error the database raised for one record of the file, with the record's line."""

    def __init__(self, line, error):
        super().__init__(str(error))
        self.line, self.error = line, error


class BackupReader:
    """The records of a backup file (gzipped or not), one dict per line, checking the
    shape as it goes: a file cut short, or with anything but whole records, is an error
    (gzip's own end marker and checksum catch most damage first). `line` is the number of
    the line last read, for error messages; `finished` says the whole file was read."""

    def __init__(self, path):
        self.path, self.line, self.finished = path, 0, False

    def __iter__(self):
        with open(self.path, "rb") as raw:
            compressed = raw.read(2) == b"\x1f\x8b"
            raw.seek(0)
            binary = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
            yield from self._records(io.TextIOWrapper(binary, encoding="utf-8"))

    def _next_line(self, lines):
        text = next(lines, None)
        if text is not None:
            self.line += 1
            text = text.strip()
        return text

    def _records(self, lines):
        first = self._next_line(lines)
        if first != "[":
            raise BackupFormatError("not a backup: it should start with a line holding '['")
        text = self._next_line(lines)
        more = None  # whether a ',' followed the last record; None before the first
        while text != "]":
            if text is None:
                raise BackupFormatError(
                    "the file ends before its closing ']': it is truncated", after=True
                )
            if more is False:
                raise BackupFormatError("expected ',' between records, or the closing ']'")
            more = text.endswith(",")
            record = json.loads(text.removesuffix(","))
            if not (
                isinstance(record, dict)
                and isinstance(record.get("model"), str)
                and "pk" in record
                and isinstance(record.get("fields"), dict)
            ):
                raise BackupFormatError("not a record: it needs a model, a pk and fields")
            yield record
            text = self._next_line(lines)
        if more:
            raise BackupFormatError("a ',' after the last record")
        rest = self._next_line(lines)
        while rest == "":
            rest = self._next_line(lines)
        if rest is not None:
            raise BackupFormatError("text after the closing ']'")
        self.finished = True


class BackupDeserializer(python.Deserializer):
    """Django's deserializer, but a reference to a content type the new database lacks
    (a model since removed whose rows the admin log still names) creates it, as the
    source database had it."""

    def _handle_fk_field_node(self, field, field_value):
        model = field.remote_field.model
        if model._meta.label == "contenttypes.ContentType" and isinstance(field_value, list):
            manager = model.objects.db_manager(self.using)
            try:
                return manager.get_by_natural_key(*field_value).pk  # cached
            except model.DoesNotExist:
                app_label, model_name = field_value
                return manager.create(app_label=app_label, model=model_name).pk
        return super()._handle_fk_field_node(field, field_value)


class Loader:
    """Insert deserialized records in batches of one model: rows with their own ids,
    links straight into their tables. No save(), so no signal fires: the history gets no
    entries for restored rows and the revision is bumped once, by the restore.

    A batch the database refuses is tried again a record at a time, to find the record at
    fault and its line in the file (RecordError)."""

    def __init__(self, models, using):
        self.models, self.using = set(models), using
        self.model, self.batch, self.count = None, [], 0

    def load(self, reader):
        """Load the records `reader` (a BackupReader) gives."""
        for deserialized in BackupDeserializer(reader, using=self.using):
            model = type(deserialized.object)
            if model not in self.models:
                raise BackupFormatError(f"{model._meta.label} is not a model a backup holds")
            if model is not self.model or len(self.batch) >= CHUNK:
                self.flush()
                self.model = model
            self.batch.append((deserialized, reader.line))
        self.flush()
        return self.count

    def flush(self):
        if not self.batch:
            return
        try:
            with transaction.atomic(using=self.using):  # a savepoint, to try again
                self.insert([deserialized for deserialized, _ in self.batch])
        except DatabaseError as error:
            self.find_record_at_fault(error)
        self.count += len(self.batch)
        self.batch = []
        # With DEBUG on (as `make restore` runs), Django keeps the text of the last 9,000
        # queries, and a batch INSERT's text holds its thousand rows: gigabytes, unless
        # dropped as the load goes.
        connections[self.using].queries_log.clear()

    def find_record_at_fault(self, error):
        for deserialized, line in self.batch:
            try:
                with transaction.atomic(using=self.using):
                    self.insert([deserialized])
            except DatabaseError as record_error:
                raise RecordError(line, record_error) from record_error
        raise error  # only the records together fail

    def insert(self, batch):
        if any(
            getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
            for field in self.model._meta.concrete_fields
        ):
            # bulk_create would stamp these with the time of the restore; a raw save
            # (what loaddata does) keeps the values in the file.
            for deserialized in batch:
                deserialized.save(using=self.using)
            return
        objects = [deserialized.object for deserialized in batch]
        self.model._base_manager.using(self.using).bulk_create(objects)
        # Link rows are two ids each: inserted as such, without a model instance per
        # row, which would cost more than the records they link.
        links = {}
        for deserialized in batch:
            for name, targets in deserialized.m2m_data.items():
                links.setdefault(name, []).extend((deserialized.object.pk, pk) for pk in targets)
        connection = connections[self.using]
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for name, rows in links.items():
                field = self.model._meta.get_field(name)
                through = field.remote_field.through._meta
                source = through.get_field(field.m2m_field_name()).column
                target = through.get_field(field.m2m_reverse_field_name()).column
                cursor.executemany(
                    f"INSERT INTO {quote(through.db_table)} ({quote(source)}, {quote(target)}) "
                    "VALUES (%s, %s)",
                    rows,
                )


def check_references(path, models, using):
    """Check every reference the restored rows make (the database defers these checks
    to the end). A reference to a row that is not there is reported with the line of the
    record that makes it (RecordError)."""
    try:
        with transaction.atomic(using=using):  # a savepoint, to look further
            connections[using].check_constraints(table_names=restored_tables(models))
    except IntegrityError as error:
        found = dangling_reference(models, using)
        line = found and line_of(path, *found)
        if line:
            raise RecordError(line, error) from error
        raise


def dangling_reference(models, using):
    """(model label, pk) of a restored record that refers to a row not there, or None."""
    for model in models:
        # (table, reference, column naming the record in the file that makes it)
        owners = [(model, field, "pk") for field in model._meta.concrete_fields]
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            if through._meta.auto_created:
                source = through._meta.get_field(field.m2m_field_name()).attname
                owners += [(through, link, source) for link in through._meta.concrete_fields]
        for table, field, owner in owners:
            if not (isinstance(field, models_module.ForeignKey) and field.db_constraint):
                continue
            targets = field.remote_field.model._base_manager.using(using)
            rows = (
                table._base_manager.using(using)
                .exclude(**{f"{field.attname}__isnull": True})
                .exclude(**{f"{field.attname}__in": targets.values(field.target_field.attname)})
            )
            pk = rows.order_by(owner).values_list(owner, flat=True).first()
            if pk is not None:
                return model._meta.label_lower, pk
    return None


def line_of(path, label, pk):
    """The line of the record of `label` with primary key `pk` in the backup at `path`."""
    reader = BackupReader(path)
    for record in reader:
        if record["model"] == label and str(record["pk"]) == str(pk):
            return reader.line
    return None


def restored_tables(models):
    return [model._meta.db_table for model in chain(models, link_models(models))]


def flushable_tables(using):
    """Every table of the database but those `migrate` fills (content types, permissions)
    and the content revision, which must only ever move forward."""
    kept = {apps.get_model(label)._meta.db_table for label in (*RECREATED, "core.ContentRevision")}
    introspection = connections[using].introspection
    tables = introspection.django_table_names(only_existing=True, include_views=False)
    return sorted(set(tables) - kept)
