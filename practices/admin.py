from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import (
    SOURCES,
    TIMESTAMPS,
    BilingualAdmin,
    HistoryAdmin,
    PublishingMixin,
    SiteSearchMixin,
)
from programs.admin import InstrumentAdmin, InstrumentForm
from programs.models import Instrument

from .models import Practice, ThematicArea


@admin.register(ThematicArea)
class ThematicAreaAdmin(SiteSearchMixin, HistoryAdmin, BilingualAdmin):
    list_display = ("number", "title")
    search_fields = ("title", "resolution_text")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = TIMESTAMPS


@admin.register(Practice)
class PracticeAdmin(SiteSearchMixin, PublishingMixin, HistoryAdmin, BilingualAdmin):
    list_display = ("title", "area", "position", "publication_status", "updated_at")
    list_filter = ("area", "publication_status")
    search_fields = ("title", "summary", "body")
    autocomplete_fields = ("instruments",)
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = TIMESTAMPS
    fieldsets = (
        (None, {"fields": ("area", "position", "title", "slug", "summary", "body")}),
        (_("Instrumentos"), {"fields": ("instruments",)}),
        SOURCES,
        (_("Publicación"), {"fields": ("publication_status", *TIMESTAMPS)}),
    )


class InstrumentWithPracticesForm(InstrumentForm):
    """The instrument form, with the practices it belongs to (and so its areas): the link
    is the practices', set here from the other side."""

    practices = forms.ModelMultipleChoiceField(
        Practice.objects.select_related("area").order_by("area__number", "position"),
        label=_("buenas prácticas"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Las buenas prácticas (y con ellas las áreas temáticas) del instrumento."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["practices"].initial = list(self.instance.practices.all())

    def _save_m2m(self):
        super()._save_m2m()
        self.instance.practices.set(self.cleaned_data["practices"])


# Practices own their link to instruments, so they add what it gives the instruments'
# admin: a filter by thematic area, and the practices on the instrument's form.
class InstrumentInAreasAdmin(InstrumentAdmin):
    form = InstrumentWithPracticesForm
    list_filter = (*InstrumentAdmin.list_filter, "practices__area")

    def get_fieldsets(self, request, obj=None):
        """The practices beside the other links, for those who may edit them (a reverse
        link cannot be shown read-only)."""
        editable = self.has_change_permission(request, obj) if obj else True
        return tuple(
            (name, {**options, "fields": (*options["fields"], "practices")})
            if editable and "target_groups" in options["fields"]
            else (name, options)
            for name, options in super().get_fieldsets(request, obj)
        )


admin.site.unregister(Instrument)
admin.site.register(Instrument, InstrumentInAreasAdmin)
