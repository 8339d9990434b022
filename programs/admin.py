from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import (
    TranslationStackedInline,
    TranslationTabularInline,
)

from core.admin import (
    SOURCES,
    TIMESTAMPS,
    BilingualAdmin,
    ConcurrentEditForm,
    ConcurrentEditMixin,
    DependentsProtectedMixin,
    HistoryAdmin,
    PublishingMixin,
    SiteSearchMixin,
)

from .models import (
    Institution,
    Instrument,
    KeyFigure,
    Participation,
    Place,
    Status,
    TargetGroup,
)


@admin.register(Place)
class PlaceAdmin(DependentsProtectedMixin, HistoryAdmin, BilingualAdmin):
    protected_relations = ("instruments",)
    list_display = ("name", "code", "kind", "country")
    list_filter = ("kind",)
    search_fields = ("name", "code")
    autocomplete_fields = ("country",)
    readonly_fields = TIMESTAMPS


@admin.register(Institution)
class InstitutionAdmin(SiteSearchMixin, HistoryAdmin, BilingualAdmin):
    list_display = ("name", "acronym", "kind", "country")
    list_filter = ("kind", "country")
    search_fields = ("name", "acronym")
    autocomplete_fields = ("country",)
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = TIMESTAMPS
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "acronym",
                    "slug",
                    "kind",
                    "country",
                    "description",
                    "source_terms",
                )
            },
        ),
        SOURCES,
        (_("Registro"), {"fields": TIMESTAMPS, "classes": ("collapse",)}),
    )


@admin.register(TargetGroup)
class TargetGroupAdmin(SiteSearchMixin, DependentsProtectedMixin, HistoryAdmin, BilingualAdmin):
    protected_relations = ("instruments",)
    list_display = ("name", "parent")
    list_filter = ("parent",)
    search_fields = ("name",)
    autocomplete_fields = ("parent",)
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = TIMESTAMPS
    fieldsets = (
        (None, {"fields": ("name", "slug", "parent", "description", "source_terms")}),
        SOURCES,
        (_("Registro"), {"fields": TIMESTAMPS, "classes": ("collapse",)}),
    )


class ParticipationInline(ConcurrentEditMixin, TranslationTabularInline):
    model = Participation
    autocomplete_fields = ("institution",)
    extra = 0
    # The citation in both languages; the English status on the participation's own page.
    fields = ("institution", "role", "citation")


class KeyFigureInline(ConcurrentEditMixin, TranslationStackedInline):
    model = KeyFigure
    extra = 0
    fields = (
        ("value", "unit"),
        "measure",
        "slug",
        ("start_date", "start_precision"),
        ("end_date", "end_precision"),
        "source",
        "source_quote",
        "source_quote_english",
        "position",
    )


class CurrentStatusFilter(admin.SimpleListFilter):
    """The status the source states (none is derived from the dates)."""

    title = _("estado declarado")
    parameter_name = "estado"

    def lookups(self, request, model_admin):
        return Status.choices

    def queryset(self, request, queryset):
        if self.value() in Status.values:
            return queryset.with_any_status([self.value()])
        return queryset


class InstrumentForm(ConcurrentEditForm):
    # The admin builds the form's fields from the fieldsets below.

    def clean_legal_basis(self):
        laws = self.cleaned_data["legal_basis"]
        if self.instance.pk and laws.filter(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                _("Un instrumento no puede ser su propio fundamento legal.")
            )
        return laws


@admin.register(Instrument)
class InstrumentAdmin(
    SiteSearchMixin, PublishingMixin, DependentsProtectedMixin, HistoryAdmin, BilingualAdmin
):
    form = InstrumentForm
    protected_relations = ("practices", "rests_on_it")
    list_display = ("name", "acronym", "kind", "start_date", "publication_status", "updated_at")
    list_filter = (
        "kind",
        CurrentStatusFilter,
        "publication_status",
        "target_groups",
    )
    search_fields = ("name", "acronym", "summary")
    autocomplete_fields = ("parent", "legal_basis", "related", "target_groups", "places")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = TIMESTAMPS
    inlines = (ParticipationInline, KeyFigureInline)
    fieldsets = (
        (
            None,
            {"fields": ("name", "acronym", "slug", "kind", "summary", "description")},
        ),
        (
            _("Fechas y estado"),
            {
                "fields": (
                    ("start_date", "start_precision", "start_kind"),
                    ("end_date", "end_precision", "end_kind"),
                    "stated_status",
                    "status_quote",
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
class KeyFigureAdmin(HistoryAdmin, BilingualAdmin):
    list_display = ("instrument", "value", "unit", "measure")
    search_fields = ("measure", "instrument__name", "instrument__acronym")
    autocomplete_fields = ("instrument",)
    readonly_fields = TIMESTAMPS


@admin.register(Participation)
class ParticipationAdmin(HistoryAdmin, BilingualAdmin):
    list_display = ("instrument", "institution", "role")
    list_filter = ("role", "institution")
    search_fields = ("instrument__name", "institution__name", "institution__acronym")
    autocomplete_fields = ("instrument", "institution")
