from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Institution,
    Instrument,
    KeyFigure,
    Participation,
    Place,
    Synonym,
    TargetGroup,
)

TIMESTAMPS = ("created_at", "updated_at")
SOURCES = (_("Fuentes"), {"fields": ("source_quote", "citation")})


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "country")
    list_filter = ("kind",)
    search_fields = ("name", "code")
    autocomplete_fields = ("country",)
    readonly_fields = TIMESTAMPS


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ("name", "acronym", "kind", "country")
    list_filter = ("kind", "country")
    search_fields = ("name", "acronym")
    autocomplete_fields = ("country",)
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = TIMESTAMPS
    fieldsets = (
        (None, {"fields": ("name", "acronym", "slug", "kind", "country", "description")}),
        SOURCES,
        (_("Registro"), {"fields": TIMESTAMPS, "classes": ("collapse",)}),
    )


@admin.register(TargetGroup)
class TargetGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "parent")
    list_filter = ("parent",)
    search_fields = ("name",)
    autocomplete_fields = ("parent",)
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = TIMESTAMPS
    fieldsets = (
        (None, {"fields": ("name", "slug", "parent", "description")}),
        SOURCES,
        (_("Registro"), {"fields": TIMESTAMPS, "classes": ("collapse",)}),
    )


class ParticipationInline(admin.TabularInline):
    model = Participation
    autocomplete_fields = ("institution",)
    extra = 0


class KeyFigureInline(admin.StackedInline):
    model = KeyFigure
    extra = 0
    fields = (
        ("value", "unit"),
        "measure",
        "slug",
        ("start_date", "start_precision"),
        ("end_date", "end_precision"),
        "source_quote",
        "position",
    )


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ("name", "acronym", "kind", "start_date", "publication_status", "updated_at")
    list_filter = ("kind", "publication_status", "target_groups", "practices__area")
    search_fields = ("name", "acronym", "summary")
    autocomplete_fields = ("parent", "legal_basis", "related", "target_groups", "places")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = TIMESTAMPS
    inlines = (ParticipationInline, KeyFigureInline)
    fieldsets = (
        (None, {"fields": ("name", "acronym", "slug", "kind", "summary", "description")}),
        (
            _("Fechas y estado"),
            {
                "fields": (
                    ("start_date", "start_precision"),
                    ("end_date", "end_precision"),
                    "stated_status",
                )
            },
        ),
        (
            _("Vínculos"),
            {"fields": ("target_groups", "places", "parent", "legal_basis", "related")},
        ),
        SOURCES,
        (_("Publicación"), {"fields": ("publication_status", *TIMESTAMPS)}),
    )


@admin.register(KeyFigure)
class KeyFigureAdmin(admin.ModelAdmin):
    list_display = ("instrument", "value", "unit", "measure")
    search_fields = ("measure", "instrument__name", "instrument__acronym")
    autocomplete_fields = ("instrument",)
    readonly_fields = TIMESTAMPS


@admin.register(Participation)
class ParticipationAdmin(admin.ModelAdmin):
    list_display = ("instrument", "institution", "role")
    list_filter = ("role", "institution")
    search_fields = ("instrument__name", "institution__name", "institution__acronym")
    autocomplete_fields = ("instrument", "institution")


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    list_display = ("terms", "updated_at")
    search_fields = ("terms",)
    readonly_fields = TIMESTAMPS
