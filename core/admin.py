"""What every record type's admin shares: history with a guarded revert, the site's
search in the changelist, publishing, deletion refused while others depend on a record,
and the check that stops two editors overwriting each other (concurrency.py)."""

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME

from .bilingual import english_is_missing, english_name, spanish_name, translated_fields
from .concurrency import STATE_FIELD, ConcurrentEditForm
from .records import PublicationStatus
from .search.query import parse
from .search.vocabulary import Synonym
from .sources import Source

TIMESTAMPS = ("created_at", "updated_at")
SOURCES = (
    _("Fuentes"),
    {"fields": ("source", "source_quote", "source_quote_english", "citation")},
)


class ConcurrentEditMixin:
    """Every admin form, and every row of its inlines, checks that no one else saved the
    record meanwhile and merges what they did (core/concurrency.py)."""

    form = ConcurrentEditForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or STATE_FIELD in flatten_fieldsets(fieldsets):
            return fieldsets
        (name, options), *rest = fieldsets
        return [(name, {**options, "fields": (*options["fields"], STATE_FIELD)}), *rest]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for formset in formsets:
            for row in formset.forms:
                if getattr(row, "dropped_changes", None):
                    self.message_user(request, dropped_row_message(formset, row), messages.WARNING)


def dropped_row_message(formset, row):
    changes = "; ".join(f"{label}: {value}" for label, value in row.dropped_changes)
    return _(
        "Otra persona eliminó una fila de «%(rows)s» mientras usted la editaba: sigue "
        "eliminada. Lo que usted había cambiado en ella: %(changes)s."
    ) % {"rows": formset.model._meta.verbose_name_plural, "changes": changes}


# The admin is always in Spanish (its addresses are outside the language prefixes), under
# the site's own name.
admin.site.site_header = _("Buenas Prácticas: administración")
admin.site.site_title = _("Administración de Buenas Prácticas")
admin.site.index_title = _("Registros de la base de conocimiento")


class RecordMessagesMixin:
    """Messages after adding, changing or deleting that say «el registro», whatever the
    gender of the record type: Django's own put the masculine article before every type
    ("El buena práctica")."""

    MESSAGES = {
        "add": _("El registro «%(obj)s» (%(name)s) se agregó correctamente."),
        "change": _("El registro «%(obj)s» (%(name)s) se modificó correctamente."),
        "delete": _("El registro «%(obj)s» (%(name)s) se eliminó correctamente."),
    }

    def response_add(self, request, obj, post_url_continue=None):
        request.record_message = self.record_message(request, obj, "add")
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        action = "add" if "_saveasnew" in request.POST else "change"
        request.record_message = self.record_message(request, obj, action)
        return super().response_change(request, obj)

    def response_delete(self, request, obj_display, obj_id):
        request.record_message = self.MESSAGES["delete"] % {
            "obj": obj_display,
            "name": self.opts.verbose_name,
        }
        return super().response_delete(request, obj_display, obj_id)

    def record_message(self, request, obj, action):
        message = self.MESSAGES[action] % {"obj": obj, "name": self.opts.verbose_name}
        if "_continue" in request.POST or "_saveasnew" in request.POST:
            return f"{message} {_('Puede volver a editarlo abajo.')}"
        if "_addanother" in request.POST:
            return f"{message} {_('Puede agregar otro abajo.')}"
        return message

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        replacement = getattr(request, "record_message", None)
        if replacement and level == messages.SUCCESS:
            message, request.record_message = replacement, None
        super().message_user(request, message, level, *args, **kwargs)


class HistoryAdmin(RecordMessagesMixin, ConcurrentEditMixin, SimpleHistoryAdmin):
    """simple_history's admin, with reverting to an old version held to the change
    permission. Its history form only hides the Revert button from a user who may view
    the record but not change it: posted anyway, the form would save. Its titles are in
    Spanish, as its templates (templates/simple_history/)."""

    def history_view_title(self, request, obj):
        return _("Historial de cambios: %s") % obj

    def history_form_view_title(self, request, obj):
        if self.revert_disabled(request, obj):
            return _("Ver %s") % obj
        return _("Revertir %s") % obj

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            record = self.get_object(request, unquote(object_id))
            if not self.has_change_history_permission(request, record):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        """On the revert page, the form shows the old version's links too (Django would
        show today's), so reverting restores them."""
        form = super().get_form(request, obj, change, **kwargs)
        version = getattr(obj, SIMPLE_HISTORY_REVERSE_ATTR_NAME, None)
        if version is None:
            return form
        links = links_of_version(version)

        def __init__(self, *args, **kwargs):
            kwargs["initial"] = {**links, **(kwargs.get("initial") or {})}
            form.__init__(self, *args, **kwargs)

        return type(form.__name__, (form,), {"__init__": __init__})


class EnglishFilter(admin.SimpleListFilter):
    """Records by the state of their English: missing, out of date (the Spanish changed
    after the English was written) or up to date. Worked out record by record, since
    "out of date" compares digests of the text: an editor's list, not a public page."""

    title = _("inglés")
    parameter_name = "ingles"

    def lookups(self, request, model_admin):
        return [(state, label) for state, label in ENGLISH_STATES.items() if state != "sin-texto"]

    def queryset(self, request, queryset):
        if self.value() not in ENGLISH_STATES:
            return queryset
        matching = [record.pk for record in queryset if english_state(record) == self.value()]
        return queryset.filter(pk__in=matching)


ENGLISH_STATES = {
    "falta": _("falta"),
    "desfasado": _("desfasado: el español cambió después"),
    "al-dia": _("al día"),
    "sin-texto": _("sin texto que traducir"),
}


def english_state(record):
    fields = translated_fields(type(record))
    if not any(getattr(record, spanish_name(field)) for field in fields):
        return "sin-texto"
    if any(english_is_missing(record, field) for field in fields):
        return "falta"
    return "desfasado" if record.english_is_out_of_date() else "al-dia"


def note_english(form):
    """Before a form's record is saved: if its English changed (or its status did), the
    English now translates the Spanish as it stands. Changed in substance: the line
    endings a browser sends, or empty for NULL, are no change."""
    record = form.instance
    names = [english_name(field) for field in translated_fields(type(record))]
    if any(
        as_stored(form.cleaned_data[name]) != as_stored(form.initial.get(name))
        for name in (*names, "english_status")
        if name in form.cleaned_data
    ):
        record.english_was_written()


def as_stored(text):
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def side_by_side(fields, pairs):
    """`fields` with each Spanish field and its English (`pairs`: {Spanish: English}) on
    one line, so that an editor reads the original beside its translation."""
    lined, skipped = [], set()
    for name in fields:
        english = pairs.get(name) if isinstance(name, str) else None
        if english in fields:
            lined.append((name, english))
            skipped.add(english)
        elif name not in skipped:
            lined.append(name)
    return lined


class BilingualAdmin(TranslationAdmin):
    """Each translatable field in Spanish beside its English, the state of the
    English in the list's filters and on the form, and the record of which Spanish the
    English translates, kept as the editor saves (inline rows included).

    Last among an admin's bases, before ModelAdmin: the library's get_fieldsets and
    get_readonly_fields do not call on, so the mixins that extend them come first."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The library's signature takes `change` by name only; ModelAdmin's callers pass it
        # by position.
        return super().get_form(request, obj, change=change, **kwargs)

    def get_list_filter(self, request):
        return (*super().get_list_filter(request), EnglishFilter)

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "english_state")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        pairs = {
            spanish_name(field): english_name(field) for field in translated_fields(self.model)
        }
        fieldsets = [
            (name, {**options, "fields": side_by_side(options["fields"], pairs)})
            for name, options in fieldsets
        ]
        english = (_("Inglés"), {"fields": ("english_status", "english_state")})
        return [*fieldsets, english] if self.fieldsets else fieldsets

    @admin.display(description=_("estado del texto en inglés"))
    def english_state(self, obj):
        return ENGLISH_STATES[english_state(obj)] if obj and obj.pk else "—"

    def save_model(self, request, obj, form, change):
        note_english(form)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for row in formset.forms:
            if row.has_changed() and hasattr(row.instance, "english_was_written"):
                note_english(row)
        super().save_formset(request, form, formset, change)


def links_of_version(version):
    """{field name: keys of the linked records} as recorded in a historical version."""
    return {
        field.name: [
            getattr(row, field.m2m_reverse_field_name() + "_id")
            for row in getattr(version, field.name).all()
        ]
        for field in version._history_m2m_fields
    }


class SiteSearchMixin:
    """The changelist's search box uses the site's search (accents, stems, synonyms,
    typos). Autocomplete widgets keep Django's own, which suits half-typed words."""

    def get_search_results(self, request, queryset, search_term):
        if request.resolver_match and request.resolver_match.url_name == "autocomplete":
            return super().get_search_results(request, queryset, search_term)
        query = parse(search_term)
        if not query:
            return queryset, False
        return queryset.search(query), False


class PublishingMixin:
    """Bulk publishing, and a record that was ever published deleted only by an
    administrator, even once unpublished (PublishableModel.ever_public)."""

    actions = ["publish", "unpublish"]

    @admin.action(description=_("Publicar los seleccionados"), permissions=["change"])
    def publish(self, request, queryset):
        self._set_status(request, queryset, PublicationStatus.PUBLISHED)

    @admin.action(description=_("Volver a borrador los seleccionados"), permissions=["change"])
    def unpublish(self, request, queryset):
        self._set_status(request, queryset, PublicationStatus.DRAFT)

    def _set_status(self, request, queryset, status):
        changed = 0
        for record in queryset.exclude(publication_status=status):
            record.publication_status = status
            record.save(update_fields=["publication_status"])
            changed += 1
        self.message_user(request, _("%(count)s registros cambiados.") % {"count": changed})

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if obj is not None and obj.ever_public():
            return allowed and request.user.is_superuser
        return allowed


class DependentsProtectedMixin:
    """Deleting is refused, naming them, while other records still point here through
    the many-to-many links in `protected_relations` (foreign keys already protect)."""

    protected_relations = ()

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for obj in objs:
            for relation in self.protected_relations:
                for other in getattr(obj, relation).all():
                    protected.append(f"{capfirst(other._meta.verbose_name)}: {other}")
        return deleted, counts, perms_needed, protected


@admin.register(Synonym)
class SynonymAdmin(HistoryAdmin):
    list_display = ("terms", "updated_at")
    search_fields = ("terms",)
    readonly_fields = TIMESTAMPS


# Accounts are edited concurrently too (an administrator changing someone's groups while
# another does the same): Django's own admins, with the check.
class ConcurrentUserChangeForm(ConcurrentEditForm, auth_admin.UserChangeForm):
    pass


class UserAdmin(ConcurrentEditMixin, auth_admin.UserAdmin):
    form = ConcurrentUserChangeForm


class GroupAdmin(ConcurrentEditMixin, auth_admin.GroupAdmin):
    pass


for model, model_admin in ((User, UserAdmin), (Group, GroupAdmin)):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)


@admin.register(Source)
class SourceAdmin(HistoryAdmin, BilingualAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("title", "issuer", "date", "language", "text_file")
    search_fields = ("title", "issuer", "slug")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = TIMESTAMPS
    fieldsets = (
        (None, {"fields": ("title", "slug", "issuer", ("date", "date_precision"), "language")}),
        (_("Dónde leerlo"), {"fields": ("url", "licence", "text_file", "note")}),
        (_("Registro"), {"fields": TIMESTAMPS, "classes": ("collapse",)}),
    )
