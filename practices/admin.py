from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import (
    SOURCES,
    TIMESTAMPS,
    HistoryAdmin,
    PublishingMixin,
    SiteSearchMixin,
)
from programs.admin import InstrumentAdmin
from programs.models import Instrument

from .models import Practice, ThematicArea


@admin.register(ThematicArea)
class ThematicAreaAdmin(SiteSearchMixin, HistoryAdmin):
    list_display = ("number", "title")
    search_fields = ("title", "resolution_text")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = TIMESTAMPS


@admin.register(Practice)
class PracticeAdmin(SiteSearchMixin, PublishingMixin, HistoryAdmin):
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


# Practices own their link to instruments, so they add what it gives the instruments'
# admin: a filter by thematic area.
class InstrumentInAreasAdmin(InstrumentAdmin):
    list_filter = (*InstrumentAdmin.list_filter, "practices__area")


admin.site.unregister(Instrument)
admin.site.register(Instrument, InstrumentInAreasAdmin)
