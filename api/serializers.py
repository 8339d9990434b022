"""What the API says of each record: only what the records hold, and only their published
links. A link to another record names it and gives both its page and its API address."""

from django.db.models.manager import BaseManager
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from compact.models import ObjectiveLink
from core.addresses import slug_address
from core.bilingual import english_name
from core.records import PublicationStatus
from practices.models import Practice, ThematicArea
from programs.linked_data import stated_date
from programs.models import Institution, Instrument, Place, TargetGroup
from programs.stated import DateKind


class LinkSerializer(serializers.Serializer):
    """The shape of a link, for the schema."""

    slug = serializers.CharField()
    nombre = serializers.CharField()
    pagina = serializers.URLField(help_text="La página pública del registro.")
    api = serializers.URLField(help_text="El registro en esta API.")


@extend_schema_field(LinkSerializer)
class LinkField(serializers.Field):
    """A record as a link: `view` is the API's detail view for its type."""

    def __init__(self, view, **kwargs):
        self.view = view
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, record):
        return link_to(record, self.view, self.context["request"])


@extend_schema_field(LinkSerializer(many=True))
class LinksField(serializers.Field):
    """The records of the relation `source` as links: `view` is the API's detail view for
    their type. `source` is a list, or a relation read here rather than named as a callable
    source (`x.all`), which DRF inspects again for every value it reads."""

    def __init__(self, view, **kwargs):
        self.view = view
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, related):
        request = self.context["request"]
        records = related.all() if isinstance(related, BaseManager) else related
        return [link_to(record, self.view, request) for record in records]


def link_to(record, view, request):
    # Addresses from core.addresses: a list page links to a few hundred records, and
    # reverse() for each was a tenth of its time.
    return {
        "slug": record.slug,
        "nombre": str(record),
        "pagina": request.build_absolute_uri(record.get_absolute_url()),
        "api": request.build_absolute_uri(slug_address(f"api:{view}-detail", record.slug)),
    }


def links(view, source):
    return LinksField(view, source=source)


class ChoiceLabelField(serializers.CharField):
    """The label of the record's choice field `name` (`get_<name>_display()`), called here
    rather than named as a source, which DRF inspects again for every value it reads."""

    def __init__(self, name, **kwargs):
        self.display = f"get_{name}_display"
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, record):
        return str(getattr(record, self.display)())


@extend_schema_field(OpenApiTypes.URI)
class PageField(serializers.Field):
    """The record's public page, as an absolute address."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, record):
        return self.context["request"].build_absolute_uri(record.get_absolute_url())


@extend_schema_field(OpenApiTypes.OBJECT)
class EnglishField(serializers.Field):
    """The record's text in English, under the same keys as the Spanish (null where it has
    none), with `estado`, what that English is (translated, reviewed, original), and
    `cita_fuente_traducida`, the English rendering of the quote, which stays in Spanish."""

    def __init__(self, **texts):
        self.texts = texts
        super().__init__(read_only=True, source="*", help_text="El registro en inglés.")

    def to_representation(self, record):
        texts = {
            key: getattr(record, english_name(name)) or None for key, name in self.texts.items()
        }
        return {
            "estado": record.english_status or None,
            **texts,
            "cita_fuente_traducida": record.source_quote_english or None,
        }


class StatedDate(serializers.Serializer):
    fecha = serializers.CharField(help_text="«2016», «2016-06» o «2016-06-14».")
    precision = serializers.ChoiceField(choices=["year", "month", "day"])
    tipo = serializers.ChoiceField(
        choices=DateKind.values, help_text="Lo que marca la fecha (firmado, lanzado…)."
    )


def date_of(value, precision, kind):
    """A date as precise as the source gives it, with what it marks, or None where the
    source gives none."""
    if value is None:
        return None
    return {"fecha": stated_date(value, precision), "precision": precision, "tipo": kind}


class ObjectiveLinkSerializer(serializers.ModelSerializer):
    """An editorial link to an objective of the Global Compact (not stated by the source)."""

    objetivo = serializers.IntegerField(source="objective.number")
    titulo = serializers.CharField(source="objective.title_es")
    metas_ods = serializers.SerializerMethodField()
    justificacion = serializers.CharField(source="rationale")
    cita_fuente = serializers.CharField(source="source_quote")

    class Meta:
        model = ObjectiveLink
        fields = ["objetivo", "titulo", "metas_ods", "justificacion", "cita_fuente"]

    def get_metas_ods(self, link) -> list[str]:
        return [target.code for target in link.sdg_targets.all()]


class ParticipationSerializer(serializers.Serializer):
    institucion = LinkField("institucion", source="institution")
    papel = serializers.CharField(source="role")
    papel_nombre = ChoiceLabelField("role")
    fuente = serializers.CharField(source="citation", help_text="Vacía si lo dice el documento.")


class PlaceSerializer(serializers.ModelSerializer):
    codigo = serializers.CharField(source="code")
    nombre = serializers.CharField(source="name")
    tipo = serializers.CharField(source="kind")

    class Meta:
        model = Place
        fields = ["codigo", "nombre", "tipo"]


class InstrumentSerializer(serializers.ModelSerializer):
    pagina = PageField()
    nombre = serializers.CharField(source="name")
    siglas = serializers.CharField(source="acronym")
    tipo = serializers.CharField(source="kind")
    tipo_nombre = ChoiceLabelField("kind")
    resumen = serializers.CharField(source="summary")
    descripcion = serializers.CharField(source="description")
    estado_declarado = serializers.CharField(
        source="stated_status", help_text="Solo si la fuente lo declara; vacío si no."
    )
    cita_estado = serializers.CharField(
        source="status_quote", help_text="Las palabras de la fuente que declaran el estado."
    )
    fecha_inicio = serializers.SerializerMethodField()
    fecha_termino = serializers.SerializerMethodField()
    areas_tematicas = serializers.SerializerMethodField()
    practicas = links("practica", "listed_practices")
    instituciones = ParticipationSerializer(source="listed_participations", many=True)
    grupos_de_poblacion = links("grupo", "listed_groups")
    lugares = PlaceSerializer(source="listed_places", many=True)
    forma_parte_de = serializers.SerializerMethodField()
    fundamento_legal = links("instrumento", "listed_laws")
    objetivos_del_pacto = ObjectiveLinkSerializer(source="listed_objective_links", many=True)
    cita_fuente = serializers.CharField(source="source_quote")
    citacion = serializers.CharField(source="citation")
    actualizado = serializers.DateTimeField(source="updated_at")
    en = EnglishField(
        nombre="name", resumen="summary", descripcion="description", citacion="citation"
    )

    class Meta:
        model = Instrument
        fields = [
            "slug", "pagina", "nombre", "siglas", "tipo", "tipo_nombre", "resumen",
            "descripcion", "estado_declarado", "cita_estado", "fecha_inicio", "fecha_termino",
            "areas_tematicas", "practicas", "instituciones", "grupos_de_poblacion", "lugares",
            "forma_parte_de", "fundamento_legal", "objetivos_del_pacto", "cita_fuente",
            "citacion", "actualizado", "en",
        ]  # fmt: skip

    @extend_schema_field(StatedDate(allow_null=True))
    def get_fecha_inicio(self, record):
        return date_of(record.start_date, record.start_precision, record.start_kind)

    @extend_schema_field(StatedDate(allow_null=True))
    def get_fecha_termino(self, record):
        return date_of(record.end_date, record.end_precision, record.end_kind)

    def get_areas_tematicas(self, record) -> list[int]:
        return sorted({practice.area.number for practice in record.listed_practices})

    @extend_schema_field(LinkSerializer(allow_null=True))
    def get_forma_parte_de(self, record):
        parent = record.parent
        if parent is None or parent.publication_status != PublicationStatus.PUBLISHED:
            return None
        return link_to(parent, "instrumento", self.context["request"])


class PracticeSerializer(serializers.ModelSerializer):
    pagina = PageField()
    area_tematica = serializers.IntegerField(source="area.number")
    orden = serializers.IntegerField(source="position")
    titulo = serializers.CharField(source="title")
    resumen = serializers.CharField(source="summary")
    texto = serializers.CharField(source="body")
    instrumentos = links("instrumento", "instruments")
    objetivos_del_pacto = ObjectiveLinkSerializer(source="listed_objective_links", many=True)
    cita_fuente = serializers.CharField(source="source_quote")
    actualizado = serializers.DateTimeField(source="updated_at")
    en = EnglishField(titulo="title", resumen="summary", texto="body")

    class Meta:
        model = Practice
        fields = [
            "slug", "pagina", "area_tematica", "orden", "titulo", "resumen", "texto",
            "instrumentos", "objetivos_del_pacto", "cita_fuente", "actualizado", "en",
        ]  # fmt: skip


class ThematicAreaSerializer(serializers.ModelSerializer):
    pagina = PageField()
    numero = serializers.IntegerField(source="number")
    titulo = serializers.CharField(source="title")
    texto_de_la_resolucion = serializers.CharField(source="resolution_text")
    numero_de_practicas = serializers.IntegerField(
        source="published_practices", help_text="Sus buenas prácticas publicadas."
    )
    practicas = serializers.SerializerMethodField(
        help_text="La lista de sus buenas prácticas, por páginas: `/practicas/?area=<numero>`."
    )
    cita_fuente = serializers.CharField(source="source_quote")
    en = EnglishField(titulo="title", texto_de_la_resolucion="resolution_text")

    class Meta:
        model = ThematicArea
        fields = [
            "slug", "pagina", "numero", "titulo", "texto_de_la_resolucion",
            "numero_de_practicas", "practicas", "cita_fuente", "en",
        ]  # fmt: skip

    def get_practicas(self, area) -> str:
        # An address rather than the list: an area may hold thousands of practices.
        address = reverse("api:practica-list", request=self.context["request"])
        return f"{address}?area={area.number}"


class InstitutionSerializer(serializers.ModelSerializer):
    pagina = PageField()
    nombre = serializers.CharField(source="name")
    siglas = serializers.CharField(source="acronym")
    tipo = serializers.CharField(source="kind")
    pais = serializers.SerializerMethodField()
    descripcion = serializers.CharField(source="description")
    cita_fuente = serializers.CharField(source="source_quote")
    citacion = serializers.CharField(source="citation")
    en = EnglishField(nombre="name", descripcion="description", citacion="citation")

    class Meta:
        model = Institution
        fields = [
            "slug", "pagina", "nombre", "siglas", "tipo", "pais", "descripcion",
            "cita_fuente", "citacion", "en",
        ]  # fmt: skip

    @extend_schema_field(OpenApiTypes.STR)
    def get_pais(self, record):
        return record.country.code if record.country else None


class TargetGroupSerializer(serializers.ModelSerializer):
    pagina = PageField()
    nombre = serializers.CharField(source="name")
    siglas = serializers.CharField(source="acronym")
    forma_parte_de = serializers.SerializerMethodField()
    descripcion = serializers.CharField(source="description")
    cita_fuente = serializers.CharField(source="source_quote")
    en = EnglishField(nombre="name", descripcion="description", citacion="citation")

    class Meta:
        model = TargetGroup
        fields = [
            "slug", "pagina", "nombre", "siglas", "forma_parte_de", "descripcion", "cita_fuente",
            "en",
        ]  # fmt: skip

    @extend_schema_field(LinkSerializer(allow_null=True))
    def get_forma_parte_de(self, record):
        if record.parent is None:
            return None
        return link_to(record.parent, "grupo", self.context["request"])
