"""No editor input gives a server error: generated text (a 300-letter word, other scripts,
emoji, control characters, 100,000 characters) typed into every text field of every form
of the admin is either saved or refused with a message on the field."""

import pytest
from django import forms
from django.contrib import admin
from django.db import models
from django.urls import reverse

from core.search.vocabulary import WORD_LENGTH, SearchTerm
from programs.models import Instrument
from tests.helpers import admin_form_data

pytestmark = pytest.mark.usefixtures("knowledge_base")

SAMPLES = {
    "a 300-letter word": "palabra " + "a" * 300,
    # Each casefolds or normalizes to more characters than it has ("İ" → "i̇").
    "a long word that grows when folded": "İ" * 80 + " " + "ﷺ" * 10,
    "other scripts": "هذا نص عربي 这是中文文本 Это русский текст ελληνικά עברית",
    "emoji": "🇲🇽 👩‍👩‍👧‍👦 ✅🔥 texto 🙂",
    "control characters": "".join(chr(code) for code in range(1, 32)) + "\x7f\x85\u2028\u200b",
    "100,000 characters": ("Migración ordenada y segura, 2017. " * 3000)[:100_000],
}


def text_fields(form):
    """The names of the form's fields an editor types text into."""
    return [
        name
        for name, field in form.fields.items()
        if type(field) in (forms.CharField, forms.SlugField, forms.URLField, forms.EmailField)
        and not field.widget.is_hidden
    ]


def registered():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def unique_in(model, data, form, n):
    """`data`, with the slugs and acronyms copied from an existing record replaced, so
    that a new record can be saved."""
    data = dict(data)
    for name in form.fields:
        field = next((f for f in model._meta.fields if f.name == name), None)
        if isinstance(field, models.SlugField):
            data[name] = f"generado-{n}"
        elif name == "acronym":
            data[name] = ""
    return data


def without_inline_rows(data, response):
    for inline in response.context.get("inline_admin_formsets") or []:
        prefix = inline.formset.prefix
        data = {key: value for key, value in data.items() if not key.startswith(f"{prefix}-")}
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


def assert_answered(response, where):
    assert response.status_code != 500, where
    if response.status_code == 200:
        form = response.context["adminform"].form
        inline_errors = any(
            inline.formset.total_error_count()
            for inline in response.context["inline_admin_formsets"]
        )
        assert form.errors or inline_errors, f"{where}: 200 without a message"
    else:
        assert response.status_code == 302, where


# On PostgreSQL, whose column limits are the stricter (SQLite stores any length): the
# forms and the saves are the same code on both.
@pytest.mark.postgresql
@pytest.mark.parametrize(
    "model, model_admin", registered(), ids=lambda v: getattr(v, "__name__", "")
)
def test_generated_text_in_every_add_form_is_saved_or_refused_on_the_field(
    admin_client, model, model_admin
):
    opts = model._meta
    add_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    add_form = admin_client.get(add_url)
    if add_form.status_code == 403:
        assert not model_admin.has_add_permission(add_form.wsgi_request)
        return
    record = model._default_manager.order_by("pk").first()
    if record is not None:
        change_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])
        response = admin_client.get(change_url)
        base = without_inline_rows(admin_form_data(response), response)
    else:
        change_url, base = None, without_inline_rows(admin_form_data(add_form), add_form)
    form = add_form.context["adminform"].form
    saved = 0
    for n, name in enumerate(text_fields(form)):
        for label, text in SAMPLES.items():
            where = f"{opts.label} add, {name}: {label}"
            data = {**unique_in(model, base, form, n), name: text}
            response = admin_client.post(add_url, data)
            assert_answered(response, where)
            saved += response.status_code == 302
            if change_url:
                response = admin_client.post(change_url, {**base, name: text})
                assert_answered(response, where.replace(" add,", " change,"))
                saved += response.status_code == 302
    if text_fields(form) and model._meta.app_label in ("programs", "practices"):
        # Not everything refused: the generated text reached the database.
        assert saved, opts.label


def test_a_word_too_long_for_the_vocabulary_is_saved_and_found_but_no_term(admin_client):
    instrument = Instrument.objects.get(acronym="LM")
    url = reverse("admin:programs_instrument_change", args=[instrument.pk])
    response = admin_client.get(url)
    data = admin_form_data(response)
    long_word = "supercalifragilistico" * 15
    response = admin_client.post(
        url, {**data, "description_es_mx": f"Texto con {long_word} dentro."}
    )
    assert response.status_code == 302
    assert long_word in Instrument.objects.get(pk=instrument.pk).description
    assert not SearchTerm.objects.filter(word=long_word).exists()
    assert SearchTerm.objects.filter(length__gt=WORD_LENGTH).count() == 0
    found = admin_client.get(reverse("catalogue:catalogue"), {"q": long_word})
    assert found.status_code == 200
