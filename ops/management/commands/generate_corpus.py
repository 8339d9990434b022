"""A synthetic corpus for measuring the site at scale (`make bench`).

Records are made beside the real ones, in the bench's own database only: the command asks
for that database's name, so that it never fills a working one, and nothing marks the
records in the product's tables. Their text is recombined from the source document's own
sentences, so search meets realistic Spanish; names, countries, institutions, dates and
figures are drawn at random, and a citation on every record says it is synthetic. The
same seed gives the same corpus.
"""

import datetime
import random
import re
import time
from decimal import Decimal

from django.conf import settings
from django.core.management import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Max
from django.utils.text import slugify

from core.management.progress import show_progress
from core.records import DatePrecision, PublicationStatus
from core.revision import ContentRevision
from core.search.analyzer import analyze, normalize
from core.search.vocabulary import SearchTerm
from practices.models import Practice, ThematicArea
from programs.models import (
    Institution,
    InstitutionKind,
    Instrument,
    InstrumentKind,
    KeyFigure,
    Participation,
    Place,
    PlaceKind,
    Role,
    TargetGroup,
)

INSTRUMENTS_PER_PRACTICE = 10
INSTRUMENTS_PER_INSTITUTION = 50
EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
SYNTHETIC_SLUG = "sintetico-"

# ISO 3166-1 codes and Spanish names; those the real records already have are skipped.
COUNTRIES = {
    "AR": "Argentina", "BO": "Bolivia", "BR": "Brasil", "CL": "Chile", "EC": "Ecuador",
    "PE": "Perú", "PY": "Paraguay", "UY": "Uruguay", "VE": "Venezuela", "CU": "Cuba",
    "HT": "Haití", "JM": "Jamaica", "ES": "España", "FR": "Francia", "IT": "Italia",
    "PT": "Portugal", "MA": "Marruecos", "SN": "Senegal", "NG": "Nigeria", "KE": "Kenia",
    "ET": "Etiopía", "ZA": "Sudáfrica", "EG": "Egipto", "TR": "Turquía", "JO": "Jordania",
    "LB": "Líbano", "IN": "India", "PH": "Filipinas", "ID": "Indonesia", "BD": "Bangladés",
    "PK": "Pakistán", "CN": "China", "JP": "Japón", "KR": "Corea del Sur", "AU": "Australia",
    "NZ": "Nueva Zelanda", "GB": "Reino Unido", "SE": "Suecia", "NO": "Noruega",
    "DE": "Alemania", "GT": "Guatemala", "HN": "Honduras", "SV": "El Salvador",
}  # fmt: skip
INSTITUTION_NAMES = [
    ("Ministerio de Trabajo", InstitutionKind.FOREIGN_GOVERNMENT),
    ("Ministerio de Relaciones Exteriores", InstitutionKind.FOREIGN_GOVERNMENT),
    ("Instituto Nacional de Migración", InstitutionKind.FOREIGN_GOVERNMENT),
    ("Secretaría de Desarrollo Social", InstitutionKind.FOREIGN_GOVERNMENT),
    ("Defensoría del Pueblo", InstitutionKind.AUTONOMOUS_BODY),
    ("Comisión de Derechos Humanos", InstitutionKind.AUTONOMOUS_BODY),
    ("Consejo para la Niñez", InstitutionKind.FOREIGN_GOVERNMENT),
    ("Gobierno municipal", InstitutionKind.LOCAL_GOVERNMENT),
    ("Red de albergues", InstitutionKind.CIVIL_SOCIETY),
    ("Asociación de empleadores", InstitutionKind.PRIVATE_SECTOR),
    ("Fundación de apoyo al migrante", InstitutionKind.CIVIL_SOCIETY),
    ("Oficina de cooperación internacional", InstitutionKind.INTERNATIONAL_ORGANIZATION),
]
ACTIONS = [
    "atención a", "protección de", "integración de", "retorno asistido de",
    "documentación de", "salud de", "educación de", "empleo para", "registro de",
    "acompañamiento jurídico de", "reunificación familiar de", "capacitación laboral de",
]  # fmt: skip
PEOPLE = [
    "niñas, niños y adolescentes migrantes", "mujeres migrantes", "trabajadores agrícolas",
    "personas refugiadas", "víctimas de trata de personas", "personas repatriadas",
    "personas indígenas migrantes", "jornaleros temporales", "familias de migrantes",
    "jóvenes en riesgo de migrar", "personas adultas mayores migrantes",
    "trabajadores fronterizos",
]  # fmt: skip
# Weighted toward the kinds the source has most of.
KINDS = [InstrumentKind.PROGRAM] * 5 + [
    InstrumentKind.PROTOCOL, InstrumentKind.CAMPAIGN, InstrumentKind.AGREEMENT,
    InstrumentKind.LAW, InstrumentKind.REGULATION, InstrumentKind.SUBPROGRAM,
    InstrumentKind.SERVICE, InstrumentKind.PROJECT, InstrumentKind.TRAINING,
    InstrumentKind.PLATFORM, InstrumentKind.MECHANISM, InstrumentKind.STUDY,
]  # fmt: skip
PUBLICATION = (
    [PublicationStatus.PUBLISHED] * 95
    + [PublicationStatus.DRAFT] * 4
    + [PublicationStatus.ARCHIVED]
)


def insert_rows(model, columns, rows):
    """Insert plain rows: links need no model instances, which would cost more to make
    than the rows cost to insert."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(column) for column in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


class Corpus:
    """Draws the synthetic records, batch by batch, from one random generator."""

    def __init__(self, seed, sentences):
        self.random = random.Random(seed)
        self.sentences = sentences
        # Analyzing each sentence once keeps generation fast: a record's analyzed text is
        # the concatenation of its sentences'.
        self.analyzed = [analyze(sentence) for sentence in sentences]
        self.citation = (
            f"Registro sintético generado por generate_corpus (semilla {seed}) para medir el "
            "rendimiento; no es un dato de la fuente."
        )

    def text(self, low, high):
        picks = self.random.sample(range(len(self.sentences)), self.random.randint(low, high))
        return (
            " ".join(self.sentences[i] for i in picks),
            " ".join(self.analyzed[i] for i in picks),
        )

    def moment(self):
        return EPOCH + datetime.timedelta(minutes=self.random.randrange(500_000))

    def dates(self):
        precision = self.random.choice(list(DatePrecision))
        start = datetime.date(self.random.randint(1990, 2026), self.random.randint(1, 12), 1)
        start = precision.first_day(start.replace(day=self.random.randint(1, 28)))
        if self.random.random() < 0.4:
            end = start + datetime.timedelta(days=self.random.randint(180, 3650))
            return start, precision, precision.last_day(end), precision
        return start, precision, None, ""

    def searchable(self, record, heading, summary, body):
        record.search_a = analyze(heading)
        record.search_b = summary
        record.search_c = body
        record.search_key = normalize(heading)[:300]
        return record


class Command(BaseCommand):
    help = (
        "Create a synthetic corpus beside the real records of a benchmark's own database. "
        "Deterministic: the same seed gives the same records."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "database",
            help="The name of the database to fill, as a confirmation: a synthetic corpus "
            "belongs in a benchmark's own database, never in a working one.",
        )
        parser.add_argument("--instruments", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch", type=int, default=2_000, help="Records per insert.")

    def handle(self, *args, database, instruments, seed, batch, verbosity=1, **options):
        if database != str(connection.settings_dict["NAME"]):
            raise CommandError(
                f"This would fill the database {connection.settings_dict['NAME']!r}, not "
                f"{database!r}: give the name of the benchmark's own database."
            )
        if instruments < 1 or batch < 1:
            raise CommandError("--instruments and --batch must be positive.")
        if not ThematicArea.objects.exists() or not TargetGroup.objects.exists():
            raise CommandError("Load the knowledge base first: manage.py load_knowledge_base.")
        if Instrument.objects.filter(slug__startswith=SYNTHETIC_SLUG).exists():
            raise CommandError("A synthetic corpus is already there: start from a new database.")
        started = time.monotonic()
        corpus = Corpus(seed, self.source_sentences())
        with transaction.atomic():
            places = self.make_places(corpus)
            institutions = self.make_institutions(corpus, places, instruments)
            practices = self.make_practices(corpus, instruments)
            self.make_instruments(
                corpus, instruments, batch, places, institutions, practices, verbosity > 0
            )
            names = [name for name, _kind in INSTITUTION_NAMES]
            kinds = [str(label) for _value, label in InstrumentKind.choices]
            SearchTerm.objects.add_words(
                " ".join(
                    [*corpus.sentences, *ACTIONS, *PEOPLE, *COUNTRIES.values(), *names, *kinds]
                )
            )
            ContentRevision.objects.bump()
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Generated {instruments} synthetic instruments, {len(practices)} "
                    f"practices, {len(institutions)} institutions and {len(places)} countries "
                    f"in {time.monotonic() - started:.1f} s."
                )
            )

    def source_sentences(self):
        text = settings.SOURCE_DOCUMENT.read_text(encoding="utf-8")
        sentences = re.split(r"(?<=[.;])\s+", re.sub(r"\s+", " ", text))
        return [sentence for sentence in sentences if 12 <= len(sentence.split()) <= 80]

    def make_places(self, corpus):
        taken = set(Place.objects.values_list("code", flat=True))
        Place.objects.bulk_create(
            Place(
                code=code,
                name=name,
                kind=PlaceKind.COUNTRY,
                citation=corpus.citation,
            )
            for code, name in COUNTRIES.items()
            if code not in taken
        )
        return list(Place.objects.filter(kind=PlaceKind.COUNTRY))

    def make_institutions(self, corpus, places, instruments):
        count = max(1, instruments // INSTRUMENTS_PER_INSTITUTION)
        records = []
        for number in range(1, count + 1):
            base, kind = corpus.random.choice(INSTITUTION_NAMES)
            country = corpus.random.choice(places)
            name = f"{base} de {country.name} {number}"
            summary, analyzed = corpus.text(1, 1)
            records.append(
                corpus.searchable(
                    Institution(
                        slug=f"sintetica-{number}-{slugify(name)}"[:120],
                        name=name,
                        kind=kind,
                        country=country,
                        description=summary,
                        citation=corpus.citation,
                    ),
                    name,
                    analyzed,
                    "",
                )
            )
        return Institution.objects.bulk_create(records, batch_size=1_000)

    def make_practices(self, corpus, instruments):
        areas = list(ThematicArea.objects.all())
        last = dict(Practice.objects.values_list("area").annotate(last=Max("position")).order_by())
        records = []
        practices = -(-instruments // INSTRUMENTS_PER_PRACTICE)  # rounded up
        for number in range(1, practices + 1):
            area = areas[(number - 1) % len(areas)]  # every area, evenly
            last[area.pk] = last.get(area.pk, 0) + 1
            title = (
                f"Práctica de {corpus.random.choice(ACTIONS)} {corpus.random.choice(PEOPLE)} "
                f"{number}"
            )
            summary, summary_analyzed = corpus.text(1, 1)
            body, body_analyzed = corpus.text(2, 4)
            records.append(
                corpus.searchable(
                    Practice(
                        area=area,
                        position=last[area.pk],
                        slug=f"sintetica-{number}-{slugify(title)}"[:120],
                        title=title,
                        summary=summary,
                        body=body,
                        publication_status=corpus.random.choice(PUBLICATION),
                        citation=corpus.citation,
                        created_at=corpus.moment(),
                        updated_at=corpus.moment(),
                    ),
                    title,
                    summary_analyzed,
                    body_analyzed,
                )
            )
        return Practice.objects.bulk_create(records, batch_size=1_000)

    def make_instruments(self, corpus, total, batch, places, institutions, practices, show):
        groups = list(TargetGroup.objects.values_list("pk", flat=True))
        done = 0
        while done < total:
            size = min(batch, total - done)
            countries = [corpus.random.choice(places) for _offset in range(size)]
            records = [
                self.instrument(corpus, done + offset + 1, country)
                for offset, country in enumerate(countries)
            ]
            Instrument.objects.bulk_create(records)
            self.link(corpus, records, countries, done, groups, places, institutions, practices)
            done += size
            if show:
                show_progress("synthetic instruments", done, total)

    def instrument(self, corpus, number, country):
        kind = corpus.random.choice(KINDS)
        name = (
            f"{InstrumentKind(kind).label.capitalize()} de {corpus.random.choice(ACTIONS)} "
            f"{corpus.random.choice(PEOPLE)} en {country.name} {number}"
        )
        summary, summary_analyzed = corpus.text(1, 1)
        description, description_analyzed = corpus.text(1, 3)
        start, start_precision, end, end_precision = corpus.dates()
        record = Instrument(
            slug=f"{SYNTHETIC_SLUG}{number}-{slugify(name)}"[:120],
            name=name,
            kind=kind,
            summary=summary,
            description=description,
            start_date=start,
            start_precision=start_precision,
            end_date=end,
            end_precision=end_precision,
            # Synthetic dates say what they mark, as real ones must (no draw: the same
            # seed gives the same corpus as before).
            start_kind="iniciado",
            end_kind="concluido" if end else "",
            publication_status=corpus.random.choice(PUBLICATION),
            citation=corpus.citation,
            created_at=corpus.moment(),
            updated_at=corpus.moment(),
        )
        return corpus.searchable(record, name, summary_analyzed, description_analyzed)

    def link(self, corpus, records, countries, done, groups, places, institutions, practices):
        pick = corpus.random
        group_links, place_links, practice_links, participations, figures = [], [], [], [], []
        for offset, (record, country) in enumerate(zip(records, countries, strict=True)):
            for group in pick.sample(groups, pick.randint(1, 3)):
                group_links.append((record.pk, group))
            for place in {
                country.pk,
                *(place.pk for place in pick.sample(places, pick.randint(0, 1))),
            }:
                place_links.append((record.pk, place))
            practice = practices[(done + offset) // INSTRUMENTS_PER_PRACTICE]
            practice_links.append((practice.pk, record.pk))
            for institution in pick.sample(institutions, min(len(institutions), 2)):
                participations.append(
                    (record.pk, institution.pk, pick.choice(Role.values), "", "", "", "")
                )
            if pick.random() < 0.25:
                figures.append(
                    KeyFigure(
                        instrument=record,
                        slug="personas-atendidas",
                        value=Decimal(pick.randint(10, 500_000)),
                        unit="personas",
                        measure="personas atendidas",
                        source_quote=corpus.citation,
                        created_at=corpus.moment(),
                        updated_at=corpus.moment(),
                    )
                )
        insert_rows(
            Instrument.target_groups.through, ["instrument_id", "targetgroup_id"], group_links
        )
        insert_rows(Instrument.places.through, ["instrument_id", "place_id"], place_links)
        insert_rows(Practice.instruments.through, ["practice_id", "instrument_id"], practice_links)
        # No citation, in either language, and no English (so no translation status).
        columns = ["instrument_id", "institution_id", "role", "citation", "citation_es_mx"]
        columns += ["english_status", "english_fingerprint"]
        insert_rows(Participation, columns, participations)
        KeyFigure.objects.bulk_create(figures)
