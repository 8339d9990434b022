"""Only stated facts: no status, target group, place, institution or date is shown unless
its source states it. Each is held to the record's passage (`source_quote`, which occurs
in the source document) or to the other public source the record cites (`citation`),
and the pages mark what comes from the citation."""

import datetime
import html
import re

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.records import DatePrecision
from practices.models import Practice
from programs.models import DateKind, Instrument, KeyFigure, Participation, Status
from programs.provenance import mentions, normalize, states_date, terms
from tests.factories import make_instrument
from tests.helpers import admin_form_data

SOURCE = settings.SOURCE_DOCUMENT.read_text(encoding="utf-8")
# Each area's heading in the source: the practices under it are Mexico's.
AUTHOR_HEADING = "Buenas prácticas y políticas de México:"
assert SOURCE.count(AUTHOR_HEADING) == 6

pytestmark = pytest.mark.usefixtures("knowledge_base")


def instruments():
    return Instrument.objects.prefetch_related("target_groups", "places").order_by("slug")


def in_source(passage):
    return normalize(passage) in normalize(SOURCE)


def test_every_status_is_stated_by_a_passage_of_the_source():
    stated = list(Instrument.objects.exclude(stated_status=""))
    assert stated, "the source states some statuses (PTRM 2008 finished, the PLM proposed)"
    for instrument in stated:
        assert instrument.status_quote, instrument.slug
        assert normalize(instrument.status_quote) in normalize(instrument.source_quote)
        assert in_source(instrument.status_quote), instrument.slug
    for instrument in Instrument.objects.filter(stated_status=""):
        assert instrument.status is None  # nothing derived from the dates
        assert not instrument.status_quote


def test_the_statuses_the_source_states():
    statuses = dict(
        Instrument.objects.exclude(stated_status="").values_list("slug", "stated_status")
    )
    assert statuses == {
        "ptrm-2008": Status.CONCLUDED,  # «finalizó en mayo de 2011»
        "ptrm-2015": Status.CONCLUDED,  # «se implementó del 13 de enero al 18 de diciembre de 2015»
        "programa-laboral-migratorio": Status.PLANNED,  # «propuso … la puesta en marcha»
    }


def test_every_target_group_and_place_is_named_by_the_passage_or_the_citation():
    unsupported = {
        instrument.slug: instrument.provenance.unsupported
        for instrument in instruments()
        if instrument.provenance.unsupported
    }
    assert unsupported == {}


def test_every_date_has_a_kind_and_is_given_by_the_passage_or_the_citation():
    for instrument in Instrument.objects.all():
        for prefix in ("start", "end"):
            date = getattr(instrument, f"{prefix}_date")
            kind = getattr(instrument, f"{prefix}_kind")
            assert bool(date) == bool(kind), f"{instrument.slug}: {prefix} date without kind"
            if date:
                precision = getattr(instrument, f"{prefix}_precision")
                assert states_date(instrument.source_quote, date, precision) or states_date(
                    instrument.citation, date, precision
                ), f"{instrument.slug}: {prefix} date {date} not in its passage nor citation"


def test_a_planned_end_reads_as_planned():
    ptrm_2017 = Instrument.objects.get(slug="ptrm-2017")
    assert "concluirá el 19 de diciembre" in ptrm_2017.source_quote
    assert ptrm_2017.end_kind == DateKind.PLANNED_END
    assert ptrm_2017.planned_end and ptrm_2017.status is None


def test_every_institution_without_a_citation_is_named_by_the_passage():
    """By its name, its acronym or the words the source uses for it, in the record's
    passage, in that of the record it is part of (the MICIC initiative's passage names
    the OIM for its study and its training) or in that of its practice (which often says
    who acts: «El Estado mexicano ha emitido tres programas…»). The Government of Mexico
    is the source's author: every area lists «Buenas prácticas y políticas de México»."""
    unnamed = []
    participations = Participation.objects.select_related("instrument__parent", "institution")
    for participation in participations.filter(citation="").prefetch_related(
        "instrument__practices"
    ):
        institution, instrument = participation.institution, participation.instrument
        names = [institution.name, institution.acronym, *institution.source_terms.splitlines()]
        passages = [instrument.source_quote]
        if instrument.parent:
            passages.append(instrument.parent.source_quote)
        passages += [practice.source_quote for practice in instrument.practices.all()]
        if institution.slug == "gobierno-de-mexico":
            passages.append(AUTHOR_HEADING)
        if not any(mentions(passage, [n for n in names if n]) for passage in passages):
            unnamed.append(f"{instrument.slug}: {institution.slug}")
    assert unnamed == []


def test_every_practice_names_its_instruments_and_every_figure_its_period():
    """A practice's passage names each of its instruments (or holds its passage); a key
    figure's period is given by its own passage or its instrument's."""
    for practice in Practice.objects.prefetch_related("instruments"):
        for instrument in practice.instruments.all():
            names = [name for name in (instrument.name, instrument.acronym) if name]
            assert mentions(practice.source_quote, names) or normalize(
                instrument.source_quote
            ) in normalize(practice.source_quote), f"{practice.slug}: {instrument.slug}"
    for figure in KeyFigure.objects.select_related("instrument"):
        for prefix in ("start", "end"):
            date, precision = (
                getattr(figure, f"{prefix}_date"),
                getattr(figure, f"{prefix}_precision"),
            )
            if date:
                passages = (figure.source_quote, figure.instrument.source_quote)
                assert any(states_date(text, date, precision) for text in passages), figure


@pytest.mark.parametrize(
    "slug, group",
    [
        ("sistema-nacional-de-competencias", "trabajadores-migrantes"),
        ("certificacion-nacional-de-nivel-de-idioma", "trabajadores-migrantes"),
    ],
)
def test_groups_the_passage_does_not_name_are_gone(slug, group):
    assert not Instrument.objects.get(slug=slug).target_groups.filter(slug=group).exists()


def test_countries_the_passage_does_not_name_are_gone():
    assert not Instrument.objects.get(slug="mecanismo-de-movilidad-laboral").places.exists()


def test_names_follow_the_source_or_cite_their_own():
    cenni = Instrument.objects.get(acronym="CENNI")
    assert "Nivel del Idioma" in cenni.source_quote
    assert cenni.name == "Certificación Nacional de Nivel de Idioma"
    assert "Nivel de Idioma" in cenni.citation  # the official name, cited
    study = Instrument.objects.get(slug="estudio-vulnerabilidad-personas-migrantes")
    assert study.name in SOURCE


def test_group_terms_are_the_sources_words():
    """A term recorded on a group or a place is a word the source uses."""
    from programs.models import Place, TargetGroup

    for record in [*TargetGroup.objects.all(), *Place.objects.all()]:
        for term in record.source_terms.splitlines():
            assert mentions(SOURCE, [term]), f"{record}: «{term}» is not in the source"
    assert "NNA" in terms(TargetGroup.objects.get(slug="ninas-ninos-y-adolescentes"))


def test_states_date_needs_the_year_month_and_day_as_precise_as_the_date():
    day = datetime.date(2015, 1, 13)
    text = "El segundo se implementó del 13 de enero al 18 de diciembre de 2015"
    assert states_date(text, day, DatePrecision.DAY)
    assert not states_date(text, datetime.date(2015, 1, 14), DatePrecision.DAY)
    assert not states_date(text, datetime.date(2015, 2, 1), DatePrecision.MONTH)
    assert states_date("En 2016 México lanzó", datetime.date(2016, 1, 1), DatePrecision.YEAR)
    assert not states_date("En 20160 casos", datetime.date(2016, 1, 1), DatePrecision.YEAR)


def test_a_status_without_its_passage_is_refused():
    instrument = Instrument.objects.get(slug="sommex")
    instrument.stated_status = Status.CONCLUDED
    with pytest.raises(ValidationError) as refused:
        instrument.full_clean()
    assert "status_quote" in refused.value.message_dict
    instrument.status_quote = "Esta iniciativa concluyó."  # not in its passage
    with pytest.raises(ValidationError) as refused:
        instrument.full_clean()
    assert "no está en la cita" in str(refused.value.message_dict["status_quote"])
    instrument.status_quote = "En 2016 México lanzó"
    instrument.full_clean()  # words of its passage: accepted


def test_a_date_without_its_kind_is_refused():
    instrument = Instrument.objects.get(slug="sommex")
    instrument.start_kind = ""
    with pytest.raises(ValidationError) as refused:
        instrument.full_clean()
    assert "start_kind" in refused.value.message_dict


def test_the_database_refuses_a_status_without_a_passage_and_a_date_without_a_kind():
    from django.db import IntegrityError, transaction

    for change in ({"stated_status": Status.IN_FORCE}, {"start_kind": ""}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Instrument.objects.filter(slug="sommex").update(**change)


# The pages --------------------------------------------------------------------------


def page(client, url):
    """The page's text: a term and its description apart, inline markup dropped."""
    response = client.get(url)
    assert response.status_code == 200
    text = re.sub(r"</(dt|dd|li|p|h\d)>", " ", response.content.decode())
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def instrument_page(client, slug):
    return page(client, Instrument.objects.get(slug=slug).get_absolute_url())


def test_a_stated_status_is_shown_with_the_words_that_state_it(client):
    text = instrument_page(client, "ptrm-2008")
    assert "Concluido: «se publicó en noviembre de 2008 y finalizó en mayo de 2011»" in text
    assert "Publicado noviembre de 2008" in text and "Concluido mayo de 2011" in text


def test_without_a_stated_status_the_page_says_what_the_source_says(client):
    text = instrument_page(client, "sommex")
    assert "La fuente no lo declara; dice: lanzado en 2016." in text
    assert "vigente" not in text.lower() and "Concluido" not in text
    assert "Vigencia de la iniciativa" in text  # the key figure: «una vigencia de 3 años»
    law = instrument_page(client, "ley-de-migracion")
    assert "status-vigente" not in law and "La fuente no lo declara" in law


def test_a_planned_end_reads_as_announced_not_as_fact(client):
    text = instrument_page(client, "ptrm-2017")
    assert "Iniciado 9 de enero de 2017" in text
    assert "Previsto hasta 19 de diciembre de 2017 (término anunciado por la fuente" in text
    timeline = page(client, "/cronologia/")
    assert "previsto hasta el 19 de diciembre de 2017" in timeline
    assert 'class="timeline-bar planned"' in client.get("/cronologia/").content.decode()


def test_facts_from_another_source_are_marked_on_every_page_type(client):
    law = instrument_page(client, "ley-de-migracion")
    # the date, from the Diario Oficial
    assert "Publicado 25 de mayo de 2011 (fuente: Diario Oficial de la Federación" in law
    triangle = instrument_page(client, "proyecto-prevencion-migracion-nna-triangulo-norte")
    assert "Guatemala (fuente: El Triángulo Norte de Centroamérica comprende" in triangle
    inm = page(client, "/instituciones/inm/")
    assert "(fuente: Ley de Migración (Diario Oficial de la Federación, 25 de mayo" in inm
    group = page(client, "/grupos/ninas-ninos-y-adolescentes/")
    assert "Lo que dice el documento fuente" in group
    catalogue = page(client, "/instrumentos/?tipo=ley")
    assert "Publicado el 25 de mayo de 2011 (según otra fuente)" in catalogue
    practice = page(
        client, Instrument.objects.get(slug="ley-de-migracion").practices.first().get_absolute_url()
    )
    assert "(según otra fuente)" in practice


def test_the_admin_refuses_a_status_without_its_words_and_a_date_without_its_kind(admin_client):
    instrument = Instrument.objects.get(slug="sommex")
    url = reverse("admin:programs_instrument_change", args=[instrument.pk])
    form = admin_form_data(admin_client.get(url))
    refused = admin_client.post(url, {**form, "stated_status": Status.CONCLUDED})
    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors
    assert "Indique el pasaje de la fuente que declara el estado." in errors["status_quote"]
    refused = admin_client.post(url, {**form, "start_kind": ""})
    assert (
        "Indique qué marca la fecha según la fuente."
        in (refused.context["adminform"].form.errors["start_kind"])
    )
    stated = {**form, "stated_status": Status.IN_FORCE, "status_quote": "En 2016 México lanzó"}
    assert admin_client.post(url, stated).status_code == 302
    assert Instrument.objects.get(slug="sommex").status == Status.IN_FORCE


@pytest.mark.parametrize("end_kind, period", [("concluido", True), ("previsto-hasta", False)])
def test_linked_data_states_a_period_only_when_both_ends_are_facts(end_kind, period):
    from programs.linked_data import instrument_data

    project = make_instrument(
        slug="proyecto-de-prueba",
        kind="proyecto",
        start_date=datetime.date(2017, 1, 9),
        start_precision="day",
        start_kind="iniciado",
        end_date=datetime.date(2017, 12, 19),
        end_precision="day",
        end_kind=end_kind,
    )
    data = instrument_data(project, str, "2017-01-09", "2017-12-19")
    assert ("temporalCoverage" in data) == period  # «concluirá»: only announced
