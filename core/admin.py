"""What every record type's admin shares: history with a guarded revert, the site's
search in the changelist, publishing, deletion refused while others depend on a record,
and the check that stops two editors overwriting each other."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .records import PublicationStatus
from .search.query import parse
from .search.vocabulary import Synonym
from .sources import Source

TIMESTAMPS = ("created_at", "updated_at")
SOURCES = (_("Fuentes"), {"fields": ("source", "source_quote", "citation")})


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


class HistoryAdmin(RecordMessagesMixin, SimpleHistoryAdmin):
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


class ConcurrentEditForm(forms.ModelForm):
    """Stops an editor from silently overwriting what another saved meanwhile.

    The form remembers when the record was last saved as it was opened; if it has been
    saved since, saving is refused with what the other person changed. The form then
    carries the new time, so saving again, after review, goes through."""

    loaded_at = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # From the database, not the instance: reverting to an old version shows that
            # version, but what may not be overwritten unseen is the one saved now.
            saved = type(self.instance).objects.filter(pk=self.instance.pk)
            updated_at = saved.values_list("updated_at", flat=True).first()
            if updated_at:
                self.fields["loaded_at"].initial = updated_at.isoformat()

    def clean(self):
        cleaned = super().clean()
        loaded = self.data.get(self.add_prefix("loaded_at"))
        if not (self.instance.pk and loaded):
            return cleaned
        saved = type(self.instance).objects.get(pk=self.instance.pk)
        if saved.updated_at.isoformat() == loaded:
            return cleaned
        self.data = self.data.copy()
        self.data[self.add_prefix("loaded_at")] = saved.updated_at.isoformat()
        changed = [
            str(self.instance._meta.get_field(name).verbose_name)
            for name in self.changed_since(saved, loaded, cleaned)
        ]
        raise forms.ValidationError(
            _(
                "Otra persona guardó este registro mientras usted lo editaba (%(when)s). "
                "Cambió: %(fields)s. Revise esos campos y vuelva a guardar para conservar "
                "los suyos."
            ),
            params={
                "when": date_format(localtime(saved.updated_at), "DATETIME_FORMAT"),
                "fields": ", ".join(changed) or _("ningún campo de este formulario"),
            },
            code="concurrent_edit",
        )

    def changed_since(self, saved, loaded, cleaned):
        """The form's fields the other person changed: the saved value against the version
        this editor opened, from the history; without one (a record not edited since it
        was loaded from fixtures), against what this editor is saving."""
        opened = saved.history.filter(updated_at=loaded).first()
        names = [name for name in self.fields if name in {f.name for f in saved._meta.fields}]
        if opened is None:
            return [name for name in names if getattr(saved, name) != cleaned.get(name)]
        return [name for name in names if getattr(opened, name, None) != getattr(saved, name)]


@admin.register(Synonym)
class SynonymAdmin(HistoryAdmin):
    list_display = ("terms", "updated_at")
    search_fields = ("terms",)
    readonly_fields = TIMESTAMPS


@admin.register(Source)
class SourceAdmin(HistoryAdmin):
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
