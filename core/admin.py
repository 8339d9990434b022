"""What every record type's admin shares: history with a guarded revert, the site's
search in the changelist, publishing, deletion refused while others depend on a record,
and the check that stops two editors overwriting each other (concurrency.py)."""

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME

from .concurrency import STATE_FIELD, ConcurrentEditForm
from .records import PublicationStatus
from .search.query import parse
from .search.vocabulary import Synonym

TIMESTAMPS = ("created_at", "updated_at")
SOURCES = (_("Fuentes"), {"fields": ("source_quote", "citation")})


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


class HistoryAdmin(ConcurrentEditMixin, SimpleHistoryAdmin):
    """simple_history's admin, with reverting to an old version held to the change
    permission. Its history form only hides the Revert button from a user who may view
    the record but not change it: posted anyway, the form would save."""

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
