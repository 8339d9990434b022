from django.contrib import admin
from django.db import models

from core.admin import BilingualAdmin, ConcurrentEditMixin, RecordMessagesMixin

from .models import GuidingPrinciple, Objective, ObjectiveLink, SDGTarget


class VocabularyAdmin(RecordMessagesMixin, ConcurrentEditMixin, admin.ModelAdmin):
    # Official documents are on https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Objective)
class ObjectiveAdmin(VocabularyAdmin):
    list_display = ("number", "short_title_es", "title_es")
    search_fields = ("short_title_es", "short_title_en", "title_es", "title_en")


@admin.register(GuidingPrinciple)
class GuidingPrincipleAdmin(VocabularyAdmin):
    list_display = ("number", "title_es", "title_en")
    search_fields = ("title_es", "title_en")


@admin.register(SDGTarget)
class SDGTargetAdmin(VocabularyAdmin):
    list_display = ("code", "text_es")
    search_fields = ("code", "text_es", "text_en")


@admin.register(ObjectiveLink)
class ObjectiveLinkAdmin(RecordMessagesMixin, ConcurrentEditMixin, BilingualAdmin):
    list_display = ("objective", "practice", "instrument", "rationale")
    list_filter = ("objective", "sdg_targets")
    list_select_related = ("objective", "practice", "instrument")
    search_fields = ("rationale", "practice__title", "instrument__name")
    autocomplete_fields = ("practice", "instrument")
    filter_horizontal = ("sdg_targets",)
