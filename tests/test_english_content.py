"""The records read in English: every public text of the shipped knowledge base has its
English (core/bilingual.py, each app's translation.py), English pages show it, and what
is still Spanish on an English page (a quote of the source, a record whose English is
missing) says so with lang="es-MX". Editors write both languages in the admin, and the
Spanish stays the original the site searches and stores in each field's own column."""

import html
import re

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation
from modeltranslation.translator import translator

from core.bilingual import english_name, spanish_name, translated_fields
from core.records import QuotedModel
from practices.models import Practice
from programs.models import Instrument, TargetGroup
from tests.helpers import admin_form_data

pytestmark = pytest.mark.usefixtures("knowledge_base")

LAW = "ley-de-migracion"


def knowledge_base_models():
    """The record types with translatable text (not their history)."""
    return [
        model
        for model in translator.get_registered_models(abstract=False)
        if not model._meta.label.split(".")[1].startswith("Historical")
    ]


def english_url(record):
    with translation.override("en"):
        return record.get_absolute_url()


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_every_shipped_record_has_english_for_every_text_it_has_in_spanish():
    missing = [
        f"{model._meta.label} {record.pk} {field}"
        for model in knowledge_base_models()
        for record in model._base_manager.all()
        for field in translated_fields(model)
        if (getattr(record, spanish_name(field)) or "").strip()
        and not (getattr(record, english_name(field)) or "").strip()
    ]
    assert missing == []


def test_every_quote_of_the_source_has_an_english_rendering():
    missing = [
        f"{model._meta.label} {record.pk}"
        for model in apps.get_models()
        if issubclass(model, QuotedModel) and not model.__name__.startswith("Historical")
        for record in model._base_manager.exclude(source_quote="")
        if not record.source_quote_english.strip()
    ]
    assert missing == []


def test_every_record_type_with_public_text_is_translatable():
    labels = {model._meta.label for model in knowledge_base_models()}
    assert labels == {
        "core.Source",
        "practices.ThematicArea",
        "practices.Practice",
        "programs.Instrument",
        "programs.KeyFigure",
        "programs.Participation",
        "programs.Institution",
        "programs.TargetGroup",
        "programs.Place",
        "compact.ObjectiveLink",
    }


def test_an_english_page_shows_the_english_text_unmarked_and_the_spanish_page_the_spanish(
    client,
):
    law = Instrument.objects.get(slug=LAW)
    # Both addresses first: a request leaves its language active in the thread.
    english_address, spanish_address = english_url(law), law.get_absolute_url()
    english, spanish = page(client, english_address), page(client, spanish_address)
    assert re.search(r"<h1>\s*Migration Law", english)
    assert law.name_en == "Migration Law" and "Ley de Migración" in spanish
    assert law.summary_en in english and law.summary_en not in spanish


def test_the_quotes_of_the_source_stay_in_spanish_and_say_so(client):
    practice = Practice.objects.filter(source_quote__gt="").first()
    spanish_address = practice.get_absolute_url()
    english = page(client, english_url(practice))
    quote = re.search(r'<blockquote class="source-quote" lang="es-MX">', english)
    assert quote, "the source passage is marked as Spanish on the English page"
    # Its English rendering beside it, labelled as a translation; not on the Spanish page.
    rendering = html.escape(practice.source_quote_english, quote=False)
    assert re.search(
        r'<p class="quote-translation"><span class="meta">English translation, not part of '
        r"the source:</span> " + re.escape(rendering),
        english,
    )
    assert "quote-translation" not in page(client, spanish_address)


def test_a_record_whose_english_is_missing_shows_its_spanish_marked_as_spanish(client):
    law = Instrument.objects.get(slug=LAW)
    Instrument.objects.filter(pk=law.pk).update(name_en="", description_en=None)
    english = page(client, english_url(law))
    assert re.search(r'<h1 lang="es-MX">\s*Ley de Migración', english)
    assert '<div class="body" lang="es-MX">' in english
    # The summary still has its English, and is not marked.
    assert law.summary_en in english


def test_saving_in_english_keeps_the_spanish_original_in_the_fields_own_column():
    group = TargetGroup.objects.get(slug="mujeres")
    with translation.override("en"):
        group.name_en = "Women (edited)"
        group.save()
    stored = TargetGroup.objects.filter(pk=group.pk).values("name", "name_es_mx", "name_en")[0]
    assert stored == {"name": "Mujeres", "name_es_mx": "Mujeres", "name_en": "Women (edited)"}


def test_facet_labels_follow_the_page_whichever_language_built_the_index(client):
    english = page(client, "/en/instrumentos/")
    spanish = page(client, "/instrumentos/")
    assert "Women" in english and "Mujeres" not in english.split("<main", 1)[1]
    assert "Mujeres" in spanish and ">Women<" not in spanish


def test_the_english_catalogue_lists_the_english_names(client):
    english = page(client, "/en/instrumentos/?q=ley")
    assert "Migration Law" in english


def result_slugs(client, catalogue, words):
    response = client.get(catalogue, {"q": words})
    return response, [record.slug for record in response.context["page"].object_list]


@pytest.mark.parametrize(
    "words",
    ["food security Central America", "IOM migrants in countries in crisis", "migrantes"],
)
def test_an_english_search_finds_at_least_what_the_same_words_find_in_spanish(client, words):
    # Reading the words as English too matches more records by every word, which once
    # hid those the Spanish page finds by most of the words (Mesoamérica Sin Hambre, by
    # its "food and nutrition security" alone).
    _, spanish = result_slugs(client, "/instrumentos/", words)
    _, english = result_slugs(client, "/en/instrumentos/", words)
    assert spanish and set(spanish) <= set(english)


def test_results_with_some_of_the_words_follow_those_with_all_of_them_and_say_so(client):
    response, english = result_slugs(
        client, "/en/instrumentos/", "IOM migrants in countries in crisis"
    )
    # Only the MICIC initiative says all four; the vulnerability study says "migrants" and
    # is linked to the initiative's crisis work.
    assert english[0] == "iniciativa-migrantes-en-paises-en-crisis"
    assert "estudio-vulnerabilidad-personas-migrantes" in english[1:]
    assert "Results that contain every word come first" in response.content.decode()


def test_the_admin_edits_both_languages_and_keeps_both_in_the_history(admin_client):
    practice = Practice.objects.get(area__number=1, position=1)
    url = reverse("admin:practices_practice_change", args=[practice.pk])
    form = admin_client.get(url)
    assert {"title_es_mx", "title_en"} <= set(form.context["adminform"].form.fields)
    data = {**admin_form_data(form), "title_en": "A new English title"}
    assert admin_client.post(url, data).status_code == 302
    practice.refresh_from_db()
    assert practice.title_en == "A new English title"
    assert practice.title_es_mx == practice.title  # the Spanish untouched
    assert practice.history.latest().title_en == "A new English title"


@pytest.mark.parametrize("model", [Practice, Instrument, TargetGroup])
def test_the_admin_shows_each_spanish_text_beside_its_english(admin_client, model):
    record = model.objects.first()
    url = reverse(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[record.pk]
    )
    form = admin_client.get(url).content.decode()
    for field in translated_fields(model):
        if f'name="{spanish_name(field)}"' in form:
            # One line of the form (Django's admin: a tuple of fields) holds both.
            assert (
                f'class="form-row field-{spanish_name(field)} field-{english_name(field)}"' in form
            )


def test_the_english_of_a_required_field_may_be_left_empty_but_not_the_spanish(admin_client):
    practice = Practice.objects.get(area__number=1, position=1)
    url = reverse("admin:practices_practice_change", args=[practice.pk])
    data = admin_form_data(admin_client.get(url))
    response = admin_client.post(url, {**data, "summary_es_mx": "", "summary_en": ""})
    assert response.status_code == 200
    assert "summary_es_mx" in response.context["adminform"].form.errors
    response = admin_client.post(url, {**data, "summary_en": ""})
    assert response.status_code == 302


@pytest.mark.parametrize("label", ["practices.Practice", "programs.Instrument"])
def test_the_fixtures_carry_english_and_no_copy_of_the_spanish(label):
    from core.management.commands.export_fixtures import serialize

    model = apps.get_model(label)
    exported = serialize([label])
    field = translated_fields(model)[0]
    assert f'"{english_name(field)}": ' in exported
    assert f'"{spanish_name(field)}"' not in exported


def test_an_english_record_page_says_it_is_a_translation_and_links_to_the_spanish(client):
    practice = Practice.objects.get(area__number=1, position=1)
    english_address, spanish_address = english_url(practice), practice.get_absolute_url()
    english, spanish = page(client, english_address), page(client, spanish_address)
    assert "Translated from Spanish." in english
    assert f'href="{spanish_address}" hreflang="es-MX"' in english
    assert "translation-note" not in spanish
    assert "changed after this translation" not in english


def test_a_change_to_the_spanish_puts_the_english_out_of_date_until_it_is_edited(
    admin_client, client
):
    practice = Practice.objects.get(area__number=1, position=1)
    url = reverse("admin:practices_practice_change", args=[practice.pk])
    changelist = reverse("admin:practices_practice_changelist")
    outdated = {"ingles": "desfasado"}
    assert admin_client.get(changelist, outdated).context["cl"].result_count == 0

    data = admin_form_data(admin_client.get(url))
    data["summary_es_mx"] = "Un resumen nuevo, escrito después de la traducción."
    assert admin_client.post(url, data).status_code == 302
    practice.refresh_from_db()
    assert practice.english_is_out_of_date()
    assert admin_client.get(changelist, outdated).context["cl"].result_list[0] == practice
    assert "changed after this translation" in page(client, english_url(practice))

    data = admin_form_data(admin_client.get(url))
    data["summary_en"] = "A new summary, written after the translation."
    assert admin_client.post(url, data).status_code == 302
    practice.refresh_from_db()
    assert not practice.english_is_out_of_date()
    assert admin_client.get(changelist, outdated).context["cl"].result_count == 0


def test_the_admin_lists_the_records_whose_english_is_missing(admin_client):
    Instrument.objects.filter(slug=LAW).update(summary_en="")
    changelist = reverse("admin:programs_instrument_changelist")
    found = admin_client.get(changelist, {"ingles": "falta"}).context["cl"].result_list
    assert [instrument.slug for instrument in found] == [LAW]


def test_the_api_gives_each_record_in_both_languages(client):
    response = client.get(f"/api/v1/instrumentos/{LAW}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    law = response.json()
    # The record's own keys stay Spanish, whatever language the client prefers.
    assert law["nombre"] == "Ley de Migración"
    english = law["en"]
    assert english["nombre"] == "Migration Law" and english["estado"] == "translated"
    assert english["resumen"] == Instrument.objects.get(slug=LAW).summary_en
    assert english["cita_fuente_traducida"].startswith("The Migration Law")
    group = client.get("/api/v1/grupos/mujeres/").json()
    assert group["en"]["nombre"] == "Women" and group["nombre"] == "Mujeres"


def in_order_of(records, field):
    return list(records.order_by(field).values_list("slug", flat=True))


def test_record_pages_list_their_links_in_the_order_of_the_pages_language(client):
    """An English page orders what it lists by the English names, though the process
    built its queries' ordering in Spanish first (a queryset kept on a view class froze it)."""
    law = Instrument.objects.get(slug=LAW)
    facts = page(client, english_url(law)).split('id="datos"', 1)[1].split("</section>", 1)[0]
    practice = Practice.objects.get(slug="politicas-de-movilidad-laboral")
    cards = re.findall(
        r'<h3[^>]*><a[^>]*href="/en/instrumentos/([^/"]+)/"', page(client, english_url(practice))
    )
    for listed, records in (
        (re.findall(r'href="/en/grupos/([^/"]+)/"', facts), law.target_groups),
        (cards, practice.instruments),
    ):
        english = in_order_of(records, english_name("name"))
        assert english != in_order_of(records, spanish_name("name"))  # the test can tell
        assert listed == english
