"""Issue 14 (part B), only stated facts: the edits made to the shipped records, as a
script that can be run again (it is idempotent) on a database loaded from fixtures/.

    .venv/bin/python ops/data_edits/issue14_stated_facts.py --prepare  # fixtures from before
    DJANGO_DEBUG=true .venv/bin/python manage.py load_knowledge_base --replace
    DJANGO_DEBUG=true .venv/bin/python manage.py shell < ops/data_edits/issue14_stated_facts.py
    DJANGO_DEBUG=true .venv/bin/python manage.py export_fixtures

Each group and place gets the words the source uses for it (`source_terms`); each dated
instrument the kind of its dates; a status only where the source states it, with the
words that state it; passages widened to the words that name a record's groups and
places; links, names and texts the passage does not support removed or cited.

`--prepare` (without Django) first gives fixtures written before the date kinds and the
status passages the keys their constraints need, so that they load.
"""

import json
import sys
from pathlib import Path


def prepare(directory=Path("fixtures")):
    """Give each instrument of `directory`/instruments.json the new keys after
    `stated_status`: no status (none had its passage), dates of a kind yet unknown."""
    path = directory / "instruments.json"
    records = json.loads(path.read_text(encoding="utf-8"))
    for record in records:
        fields = record["fields"]
        if record["model"] != "programs.instrument" or "status_quote" in fields:
            continue
        kinds = {
            f"{end}_kind": "sin-precisar" if fields[f"{end}_date"] else ""
            for end in ("start", "end")
        }
        fields["stated_status"] = ""
        record["fields"] = {
            key: value
            for name, old in fields.items()
            for key, value in [(name, old), *({"status_quote": "", **kinds}.items())]
            if name == "stated_status" or key == name
        }
    path.write_text(json.dumps(records, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if "--prepare" in sys.argv:
    prepare()
    sys.exit()

from django.conf import settings  # noqa: E402 - after --prepare, which runs without Django
from django.db import transaction  # noqa: E402

from practices.models import Practice  # noqa: E402
from programs.models import (  # noqa: E402
    Institution,
    Instrument,
    Place,
    TargetGroup,
)

SOURCE = settings.SOURCE_DOCUMENT.read_text(encoding="utf-8")

GROUP_TERMS = {
    "personas-migrantes": [
        "migrantes",
        "migrante",
        "personas migrantes",
        "inmigrantes",
        "población migrante",
        "situación migratoria",
    ],
    "migrantes-en-situacion-irregular": [
        "situación migratoria irregular",
        "migración irregular",
        "condición migratoria irregular",
        "condición no documentada",
    ],
    "personas-extranjeras-en-mexico": ["personas extranjeras", "extranjeros"],
    "personas-refugiadas": ["personas refugiadas", "protección internacional"],
    "migrantes-objeto-de-trafico": ["migrantes objeto de tráfico", "tráfico ilícito de migrantes"],
    "mexicanos-en-el-exterior": [
        "mexicanos en el exterior",
        "mexicanos radicados en el exterior",
        "migrantes mexicanos",
    ],
    "migrantes-de-retorno": ["retorno", "repatriados"],
    "trabajadores-migrantes": ["trabajadores migrantes", "movilidad laboral"],
    "trabajadores-agricolas": [
        "jornaleros",
        "jornaleros agrícolas",
        "trabajadores agrícolas",
        "trabajadores agrícolas temporales",
        "sector agrícola",
        "sectores agrícola",
    ],
    "trabajadores-fronterizos": ["trabajador fronterizo"],
    "familias-de-migrantes": ["sus familias", "familiares", "familias"],
    "victimas-y-testigos-de-delitos": ["víctimas del delito", "víctimas o testigos"],
    "victimas-de-trata": [
        "víctimas de trata",
        "víctimas de trata de personas",
        "trata de personas",
    ],
    "ninas-ninos-y-adolescentes": [
        "menores de edad",
        "adolescentes",
        "población infantil",
        "niñez",
        "infancia",
        "infantil",
        "persona menor de edad",
    ],
    "nna-no-acompanados": ["NNA no acompañados", "NNA migrantes no acompañados"],
    "nna-en-riesgo-de-migrar": [
        "riesgos asociados a la migración infantil no acompañada",
        "migración no acompañada de NNA",
    ],
    "jovenes": ["jóvenes"],
    "personas-indigenas": ["indígenas"],
    "personas-adultas-mayores": ["personas de la tercera edad"],
    "servidores-publicos": ["servidores públicos", "funcionarios públicos"],
    "comunidades-de-origen": ["comunidad de origen"],
}
PLACE_TERMS = {
    "MX": ["mexicano", "mexicanos", "territorio nacional", "nacional"],
    "US": ["estadounidenses"],
    "CA": ["canadienses"],
    "BZ": ["beliceña"],
    "GT": ["guatemalteca"],
    "DE": ["Alemana"],
}
INSTITUTION_TERMS = {
    "gobierno-de-mexico": [
        "México",
        "Estado mexicano",
        "instancias gubernamentales en el ámbito federal",
    ],
    "gobierno-de-canada": ["ambos gobiernos"],
    "gobiernos-estatales-y-municipales": ["estatales y municipales"],
    **{
        slug: ["Ministerios de Trabajo"]
        for slug in [
            "stps",
            "ministerio-de-trabajo-el-salvador",
            "ministerio-de-trabajo-guatemala",
            "ministerio-de-trabajo-honduras",
        ]
    },
}
DATE_KINDS = {  # slug: (what the start marks, what the end marks)
    "ley-de-migracion": ("publicado", ""),  # the Diario Oficial, cited
    "reglamento-de-la-ley-de-migracion": ("publicado", ""),
    "ley-general-de-los-derechos-de-ninas-ninos-y-adolescentes": ("publicado", ""),
    "ley-general-en-materia-de-trata-de-personas": ("publicado", ""),
    "sin-odio": ("en-curso", ""),  # «se desarrolla en 2017»
    "proyecto-prevencion-migracion-nna-triangulo-norte": ("sin-precisar", ""),  # «(abril de 2016)»
    "construye-en-tu-tierra": ("lanzado", ""),  # «lanzado en junio de 2016»
    "programa-3x1-para-migrantes": ("iniciado", ""),  # «inició actividades en el 2002»
    "sommex": ("lanzado", ""),  # «En 2016 México lanzó»
    "ptrm-2008": ("publicado", "concluido"),  # «se publicó … y finalizó»
    "ptrm-2015": ("iniciado", "concluido"),  # «se implementó del … al …»
    "ptrm-2017": ("iniciado", "previsto-hasta"),  # «inicio … y concluirá»
    "memorandum-de-entendimiento-en-materia-de-cooperacion-laboral": ("firmado", ""),
    "acuerdo-consejo-por-comida-justa": ("firmado", ""),  # «firmaron un acuerdo»
}
STATUSES = {  # slug: (status, the words of its passage that state it)
    "ptrm-2008": ("concluido", "se publicó en noviembre de 2008 y finalizó en mayo de 2011"),
    "ptrm-2015": (
        "concluido",
        "El segundo se implementó del 13 de enero al 18 de diciembre de 2015",
    ),
    "programa-laboral-migratorio": (
        "previsto",
        "el gobierno de México propuso a sus contrapartes de los referidos países, la puesta "
        "en marcha de un Programa Laboral Migratorio (PLM)",
    ),
}


def span(start, end):
    """The source's text from `start` to the end of `end`, verbatim."""
    first = SOURCE.index(start)
    return SOURCE[first : SOURCE.index(end, first) + len(end)]


PASSAGES = {  # widened to the words that name the record's groups, places, institutions
    "sin-tags": span(
        "se han realizado acciones dirigidas a los jóvenes como la campaña",
        "se dedicó al combate al racismo y la discriminación.",
    ),
    "sin-odio": span(
        "Asimismo, se han realizado acciones dirigidas a los jóvenes",
        "bajo el slogan: “Sin odio”.",
    ),
    "centros-comunitarios-de-proteccion-a-la-infancia": span(
        "México desarrolló el “Modelo de prevención",
        "los factores de protección de esta población.",
    ),
    "grupos-beta-de-proteccion-a-migrantes": span(
        "Grupos Beta de Protección a Migrantes, dedicados",
        "para prevenir abusos en su contra.",
    ),
    "ptrm-2017": span("El Estado mexicano ha emitido tres programas temporales", "(PTRM 2017)."),
    "tu-vivienda-en-mexico": span(
        "La mejor manera de maximizar", "hipotecarias privadas y desarrolladores de vivienda."
    ),
    "programa-de-acceso-al-financiamiento-para-soluciones-habitacionales": span(
        "Este programa apoya a migrantes mexicanos",
        "Programa de Acceso al Financiamiento para Soluciones Habitacionales",
    ),
    "tarjeta-de-residente-temporal": span(
        "Con este programa se otorgó la tarjeta de residente temporal",
        "la mayor parte centroamericanas.",
    ),
    "memorandum-de-entendimiento-en-materia-de-cooperacion-laboral": span(
        "con el objetivo de otorgar legalidad, seguridad, orden, transparencia y rendición de "
        "cuentas a la movilidad laboral",
        "en áreas de interés mutuo dentro del ámbito laboral.",
    ),
    "programa-laboral-migratorio": span(
        "los Ministerios de Trabajo de México, El Salvador, Guatemala y Honduras suscribieron",
        "interesados en participar en el Programa.",
    ),
    "acuerdo-consejo-por-comida-justa": span(
        "En diciembre de 2016 México y el Consejo por Comida Justa",
        "paguen tarifas de reclutamiento a cualquier individuo u organización.",
    ),
    "visa-h-2a": span(
        "En diciembre de 2016 México y el Consejo por Comida Justa",
        "de conformidad con las leyes mexicanas y estadounidenses.",
    ),
}
NOT_IN_PASSAGE = {  # slug: (groups, places) its passage does not name
    "ley-de-migracion": (["migrantes-de-retorno"], []),
    "ptrm-2008": (["migrantes-en-situacion-irregular"], ["MX"]),
    "ptrm-2015": (["migrantes-en-situacion-irregular"], ["MX"]),
    "ptrm-2017": (["migrantes-en-situacion-irregular", "personas-extranjeras-en-mexico"], []),
    "sistema-nacional-de-competencias": (["trabajadores-migrantes"], []),
    "certificacion-nacional-de-nivel-de-idioma": (["trabajadores-migrantes"], []),
    "mecanismo-de-movilidad-laboral": ([], ["CA", "MX"]),
    **{
        slug: ([], ["MX"])
        for slug in [
            "programa-conectate",
            "curso-migracion-y-xenofobia",
            "kipatla-para-tratarnos-igual",
            "sin-tags",
            "sin-odio",
            "protocolo-nna-en-procedimientos-administrativos-migratorios",
            "protocolo-deteccion-nna-proteccion-internacional",
            "protocolo-victimas-de-trata",
            "programas-temporales-de-regularizacion-migratoria",
            "tarjeta-de-residente-temporal",
            "subprograma-movilidad-laboral-sector-agricola",
            "subprograma-repatriados-trabajando",
            "proyecto-acreditacion-de-habilidades-jornaleros-agricolas",
        ]
    },
}
GAZETTE = ("Diario Oficial de la Federación,", "Diario Oficial de la Federación (México),")
TEXTS = {  # slug: {field: text}
    "certificacion-nacional-de-nivel-de-idioma": {
        "citation": "Secretaría de Educación Pública (cenni.sep.gob.mx): nombre oficial, "
        "«Certificación Nacional de Nivel de Idioma» (el documento fuente dice «Nivel del "
        "Idioma»)."
    },
    "estudio-vulnerabilidad-personas-migrantes": {
        "name": "Estudio exploratorio para analizar la vulnerabilidad y exposición al riesgo "
        "de origen social y natural para las personas migrantes en México"
    },
    "kipatla-para-tratarnos-igual": {
        "summary": "Edición de cuentos para sensibilizar a la población infantil sobre las "
        "principales formas de discriminación, publicada junto con una serie televisiva "
        "infantil que la fuente no nombra; uno de ellos trata de la discriminación hacia las "
        "personas refugiadas."
    },
}


def store(record, **values):
    """Set `values` on `record` if they differ, checked by its validation, keeping its
    timestamps (the fixtures' diff then shows only what changed)."""
    changed = {name: value for name, value in values.items() if getattr(record, name) != value}
    if changed:
        for name, value in changed.items():
            setattr(record, name, value)
        record.full_clean()
        type(record).objects.filter(pk=record.pk).update(**changed)


def edit_instrument(instrument):
    slug = instrument.slug
    values = dict(zip(("start_kind", "end_kind"), DATE_KINDS.get(slug, ("", "")), strict=True))
    if slug == "sin-odio":  # «se desarrolla en 2017» gives no end
        values |= {"end_date": None, "end_precision": "", "end_kind": ""}
    status = STATUSES.get(slug, ("", ""))
    values |= dict(zip(("stated_status", "status_quote"), status, strict=True))
    values["source_quote"] = PASSAGES.get(slug, instrument.source_quote)
    if instrument.kind == "ley" and GAZETTE[1] not in instrument.citation:
        values["citation"] = instrument.citation.replace(*GAZETTE, 1)
    store(instrument, **values, **TEXTS.get(slug, {}))
    groups, places = NOT_IN_PASSAGE.get(slug, ([], []))
    instrument.target_groups.remove(*TargetGroup.objects.filter(slug__in=groups))
    instrument.places.remove(*Place.objects.filter(code__in=places))


with transaction.atomic():
    for group in TargetGroup.objects.all():
        store(group, source_terms="\n".join(GROUP_TERMS.get(group.slug, [])))
    for institution in Institution.objects.all():
        terms = INSTITUTION_TERMS.get(institution.slug, [])
        store(institution, source_terms="\n".join(terms))
    for place in Place.objects.all():
        store(place, source_terms="\n".join(PLACE_TERMS.get(place.code, [])))
    for instrument in Instrument.objects.all():
        edit_instrument(instrument)
    typo = "Desde 2013 a diciembre de 2016 se expidieron"
    for practice in Practice.objects.filter(body__contains=typo):
        store(
            practice, body=practice.body.replace(typo, "De 2013 a diciembre de 2016 se expidieron")
        )
