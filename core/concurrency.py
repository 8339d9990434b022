"""Two editors on the same record: neither loses work.

A form remembers, in a hidden field, the record as the editor opened it: a fingerprint of
each field's saved value, and the linked records of each many-to-many field. On saving,
the record as saved now is compared with that:

- links are merged: the editor's additions and removals are applied to the links saved
  now, so a link someone else added meanwhile (from either side of the link) stays;
- a field someone else changed meanwhile, to a value other than the editor's, stops the
  save. The form comes back showing, on that field, the value saved by the other person
  beside the editor's own (still in its box, nothing typed is lost), and a choice: keep
  theirs (the default, so saving again as told loses nothing), keep mine, or, for text,
  save a merged text. The form then remembers the record as shown, so saving again
  applies the choices, unless yet another save happened meanwhile.

Each form checks its own record: an inline row (a key figure in the instrument form) is
checked against that row, not against the instrument.
"""

import hashlib
import json
from decimal import Decimal

from django import forms
from django.contrib.admin.utils import display_for_field
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.formats import date_format
from django.utils.html import format_html, linebreaks
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

STATE_FIELD = "opened_state"
THEIRS, MINE, MERGED = "theirs", "mine", "merged"
RESOLUTION_SUFFIX = "__resolution"
MERGE_SUFFIX = "__merge"


def comparable(value):
    """A value as the database would compare it: records by their key."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal):
        return value.normalize()  # 1500 as typed, 1500.00 as stored
    return value


def fingerprint(value):
    """A short digest of a saved value, so the form need not carry whole texts twice."""
    text = json.dumps(comparable(value), default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def well_formed(state):
    """A state as the form writes it: fingerprints, and links as keys (integers, as every
    model here has)."""

    def key(value):
        return isinstance(value, int) and not isinstance(value, bool)

    values, links = state.get("values", {}), state.get("links", {})
    conflicts = state.get("conflicts", [])
    return (
        isinstance(values, dict)
        and all(isinstance(v, str) for v in values.values())
        and isinstance(links, dict)
        and all(isinstance(v, list) and all(map(key, v)) for v in links.values())
        and isinstance(conflicts, list)
        and all(isinstance(name, str) for name in conflicts)
    )


class ConflictWidget(forms.Widget):
    """A field both editors changed: the other's saved value, the editor's own in the
    field's usual widget, and the choice between them (plus a merge box for text)."""

    def __init__(self, widget, form, name, theirs):
        super().__init__(widget.attrs)
        self.widget, self.form, self.name, self.theirs = widget, form, name, theirs
        self.is_required = widget.is_required

    def __deepcopy__(self, memo):
        return self  # the form it renders from is bound: never copied to another form

    @property
    def media(self):
        return self.widget.media

    @property
    def needs_multipart_form(self):
        return self.widget.needs_multipart_form

    def id_for_label(self, id_):
        return self.widget.id_for_label(id_)

    def use_required_attribute(self, initial):
        return False

    def value_from_datadict(self, data, files, name):
        return self.widget.value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return self.widget.value_omitted_from_data(data, files, name)

    def render(self, name, value, attrs=None, renderer=None):
        mine = self.widget.render(name, value, attrs, renderer)
        merge_name = self.name + MERGE_SUFFIX
        merge = ""
        if merge_name in self.form.fields:
            box = self.form[merge_name]
            merge = format_html(
                '<p><label for="{}">{}</label></p>{}',
                box.id_for_label,
                _("Texto fusionado (se guarda si elige «Fusionar»):"),
                box,
            )
        return format_html(
            '<div class="concurrent-conflict">'
            '<p class="conflict-label">{}</p><div class="conflict-theirs">{}</div>'
            '<p class="conflict-label">{}</p>{}'
            '<fieldset class="conflict-choice"><legend>{}</legend>{}</fieldset>{}</div>',
            _("Guardado por la otra persona:"),
            self.theirs,
            _("Su versión, sin guardar:"),
            mine,
            _("¿Qué valor conservar?"),
            self.form[self.name + RESOLUTION_SUFFIX],
            merge,
        )


class ResolutionField(forms.ChoiceField):
    """Keep theirs, keep mine or merge: anything else posted keeps theirs, the safe choice,
    rather than an error the page would not show."""

    def validate(self, value):
        pass


class OpenedState:
    """What a concurrent-edit form tracks of its record (its editable fields and links),
    how the record is saved now, and the state the form was opened in."""

    def _model_field(self, name):
        try:
            field = self._meta.model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if not getattr(field, "concrete", False) or field.primary_key:
            return None
        return field

    def _tracked(self):
        """The form's editable fields that are fields of the record: {name: model field}."""
        tracked = {}
        for name, form_field in self.fields.items():
            field = self._model_field(name)
            if field is not None and not form_field.disabled and name != STATE_FIELD:
                tracked[name] = field
        return tracked

    def _saved(self):
        return self._meta.model._default_manager.filter(pk=self.instance.pk).first()

    def _state_of(self, saved):
        values, links = {}, {}
        for name, field in self._tracked().items():
            if field.many_to_many:
                links[name] = sorted(self._links_of(saved, name))
            else:
                values[name] = fingerprint(getattr(saved, field.attname))
        return {"values": values, "links": links}

    def _links_of(self, saved, name):
        return set(getattr(saved, name).values_list("pk", flat=True))

    def _opened(self):
        """The state the form was opened in, as posted back; anything malformed counts as
        none (the save then goes through unchecked, as a form without one would)."""
        try:
            state = json.loads(self.data.get(self.add_prefix(STATE_FIELD)) or "{}")
        except (TypeError, ValueError):
            return {}
        return state if isinstance(state, dict) and well_formed(state) else {}


class ConflictPage:
    """The form shown again after a conflict: for each field the other editor changed,
    their saved value above the editor's own, and the choice of which to keep."""

    def _show_merged_links(self, links):
        """The page shows the links as they will be saved: the editor's changes applied to
        those saved now (which the form now remembers as opened)."""
        if not hasattr(self.data, "setlist"):
            return
        for name in links:
            if name in self.cleaned_data:
                pks = [str(comparable(record)) for record in self.cleaned_data[name]]
                self.data.setlist(self.add_prefix(name), pks)

    def _when(self, saved):
        updated_at = getattr(saved, "updated_at", None)
        if updated_at is None:
            return ""
        return " ({})".format(date_format(localtime(updated_at), "DATETIME_FORMAT"))

    def _show_conflicts(self, saved, names):
        choices = [(THEIRS, _("Conservar el de la otra persona")), (MINE, _("Conservar el mío"))]
        tracked = self._tracked()
        for name in names:
            field = tracked[name]
            text = isinstance(self.fields[name], forms.CharField)
            self.fields[name + RESOLUTION_SUFFIX] = ResolutionField(
                label=_("Qué valor conservar"),
                choices=[*choices, (MERGED, _("Fusionar"))] if text else choices,
                widget=forms.RadioSelect,
                required=False,
            )
            if text:
                self.fields[name + MERGE_SUFFIX] = forms.CharField(
                    label=_("Texto fusionado"),
                    widget=forms.Textarea(attrs={"rows": 6, "class": "vLargeTextField"}),
                    required=False,
                    strip=False,
                )
            widget = self.fields[name].widget
            if isinstance(widget, ConflictWidget):
                widget = widget.widget
            self.fields[name].widget = ConflictWidget(
                widget, self, name, self._display(saved, field, text)
            )

    def _display(self, saved, field, text):
        value = getattr(saved, field.name)
        if text:
            return mark_safe(linebreaks(value, autoescape=True)) if value else "—"
        return display_for_field(value, field, "—")


class ConcurrentEditForm(OpenedState, ConflictPage, forms.ModelForm):
    """Stops an editor from silently overwriting what another saved meanwhile (see the
    module's docstring)."""

    dropped_changes = ()

    opened_state = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            return
        if not self.is_bound:
            # From the database, not the instance: reverting to an old version shows that
            # version, but what may not be overwritten unseen is the one saved now.
            saved = self._saved()
            if saved is not None:
                self.fields[STATE_FIELD].initial = json.dumps(self._state_of(saved))
            return
        shown = self._opened().get("conflicts", [])
        if shown:
            saved = self._saved()
            if saved is not None:
                self._show_conflicts(saved, [n for n in shown if n in self._tracked()])

    # Saving.

    def clean(self):
        cleaned = super().clean()
        self._drop_if_deleted(cleaned)
        opened = self._opened()
        if not (self.instance.pk and opened):
            return cleaned
        saved = self._saved()
        if saved is None:
            return cleaned
        self._apply_choices(cleaned, saved, opened.get("conflicts", []))
        self._merge_links(cleaned, saved, opened.get("links", {}))
        conflicts = self._conflicts(cleaned, saved, opened.get("values", {}))
        if conflicts:
            self._refuse(saved, conflicts)
        return cleaned

    def _drop_if_deleted(self, cleaned):
        """An inline row someone else deleted meanwhile stays deleted (Django skips a row
        whose record is gone, once its key is no longer refused). What the editor had
        changed in it is kept in `dropped_changes`, for the admin to tell them."""
        key = self._meta.model._meta.pk.name
        posted = self.data.get(self.add_prefix(key))
        if not (key in self.fields and self.has_error(key) and posted):
            return
        try:
            if self._meta.model._default_manager.filter(pk=posted).exists():
                return
        except (ValueError, ValidationError):
            return
        del self._errors[key]
        opened, tracked = self._opened().get("values", {}), self._tracked()
        self.dropped_changes = [
            (tracked[name].verbose_name, cleaned[name])
            for name in opened
            if name in tracked and name in cleaned and fingerprint(cleaned[name]) != opened[name]
        ]

    def _apply_choices(self, cleaned, saved, shown):
        """The editor's choices on the fields shown in conflict: theirs unless told."""
        tracked = self._tracked()
        for name in shown:
            if name not in tracked or tracked[name].many_to_many:
                continue
            choice = cleaned.get(name + RESOLUTION_SUFFIX) or THEIRS
            if choice == MERGED and name + MERGE_SUFFIX in cleaned:
                try:
                    cleaned[name] = self.fields[name].clean(cleaned[name + MERGE_SUFFIX])
                except ValidationError as error:
                    self.add_error(name, error)
            elif choice != MINE:
                cleaned[name] = getattr(saved, name)
                self._errors.pop(name, None)  # whatever was wrong with the editor's value

    def _merge_links(self, cleaned, saved, opened_links):
        """Applies the editor's link changes to the links saved now."""
        for name, field in self._tracked().items():
            if not field.many_to_many or name not in opened_links or name not in cleaned:
                continue
            opened = set(opened_links[name])
            theirs = self._links_of(saved, name)
            if theirs == opened:
                continue
            mine = {comparable(record) for record in cleaned[name]}
            merged = (theirs | (mine - opened)) - (opened - mine)
            cleaned[name] = field.related_model._default_manager.filter(pk__in=merged)

    def _conflicts(self, cleaned, saved, opened_values):
        """Fields changed by someone else since the editor opened the form, to a value
        other than the one the editor is saving."""
        names = []
        for name, field in self._tracked().items():
            if field.many_to_many or name not in opened_values:
                continue
            now = getattr(saved, field.attname)
            if fingerprint(now) == opened_values[name]:
                continue
            if name in cleaned and comparable(cleaned[name]) == comparable(now):
                continue
            names.append(name)
        return names

    def _refuse(self, saved, conflicts):
        self.data = self.data.copy()
        state = self._state_of(saved)
        state["conflicts"] = conflicts
        self.data[self.add_prefix(STATE_FIELD)] = json.dumps(state)
        self._show_merged_links(state["links"])
        for name in conflicts:
            self.data[self.add_prefix(name + RESOLUTION_SUFFIX)] = THEIRS
            if isinstance(self.fields[name], forms.CharField):
                self.data[self.add_prefix(name + MERGE_SUFFIX)] = getattr(saved, name)
        self._show_conflicts(saved, conflicts)
        tracked = self._tracked()
        raise forms.ValidationError(
            _(
                "Otra persona guardó este registro mientras usted lo editaba%(when)s. "
                "Cambió: %(fields)s. En cada uno de esos campos verá el valor que guardó "
                "junto al suyo, que sigue sin guardar: elija cuál conservar (o fusione los "
                "textos) y vuelva a guardar. Si no elige, se conserva el de la otra persona."
            ),
            params={
                "when": self._when(saved),
                "fields": ", ".join(str(tracked[name].verbose_name) for name in conflicts),
            },
            code="concurrent_edit",
        )
