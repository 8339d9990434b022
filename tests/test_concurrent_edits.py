"""Two editors saving the same record: nothing either of them did is lost.

The second to save is shown, field by field, what the first saved beside their own
unsaved value, and chooses; saving again as told keeps the first editor's value. Links are
merged, inline rows checked one by one, and every model of the admin has the check."""

import json

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.timezone import localtime

from core.concurrency import STATE_FIELD, ConcurrentEditForm
from practices.models import Practice
from programs.models import Instrument, KeyFigure, Participation, TargetGroup
from tests.helpers import admin_form_data

pytestmark = pytest.mark.usefixtures("knowledge_base")


def editor(name):
    client = Client()
    client.force_login(User.objects.create_superuser(name, password="x"))
    return client


def change_url(record):
    meta = record._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[record.pk])


def saved(client, url, data):
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def conflict(model=Instrument, lookup=None, field="summary_es_mx"):
    """Ana and Beto open the same form; Beto saves a change to `field`, Ana then saves
    her own: she gets the conflict page."""
    record = model.objects.get(**(lookup or {"acronym": "PTAT"}))
    url = change_url(record)
    ana, beto = editor("ana"), editor("beto")
    form_ana, form_beto = admin_form_data(ana.get(url)), admin_form_data(beto.get(url))
    form_beto[field] = "Lo que guardó Beto."
    saved(beto, url, form_beto)
    form_ana[field] = "Lo que escribió Ana."
    refused = ana.post(url, form_ana)
    assert refused.status_code == 200
    return record, url, ana, refused


@pytest.mark.parametrize(
    "model, lookup, field, label",
    [
        (Instrument, {"acronym": "PTAT"}, "summary_es_mx", "resumen (español)"),
        (Practice, {"slug": "programa-3x1-para-migrantes"}, "summary_es_mx", "resumen (español)"),
    ],
)
@pytest.mark.parametrize("edited_before", [False, True], ids=["fresh", "with-history"])
def test_the_second_save_is_shown_both_values_and_keeps_the_first(
    model, lookup, field, label, edited_before
):
    if edited_before:  # the version both open is then in the history
        carla, url = editor("carla"), change_url(model.objects.get(**lookup))
        saved(carla, url, admin_form_data(carla.get(url)))
    record, url, ana, refused = conflict(model, lookup, field)
    page = refused.content.decode()
    assert "Otra persona guardó este registro" in page
    assert f"Cambió: {label}." in page
    # Beto's saved value and Ana's unsaved one, side by side.
    assert "Guardado por la otra persona" in page
    assert "Lo que guardó Beto." in page and "Lo que escribió Ana." in page
    record.refresh_from_db()
    assert getattr(record, field) == "Lo que guardó Beto."

    # Saving again as told does not revert what Beto saved.
    saved(ana, url, admin_form_data(refused))
    record.refresh_from_db()
    assert getattr(record, field) == "Lo que guardó Beto."


@pytest.mark.parametrize(
    "choice, merged, expected",
    [
        ("theirs", "", "Lo que guardó Beto."),
        ("mine", "", "Lo que escribió Ana."),
        ("merged", "Beto y Ana, fusionados.", "Beto y Ana, fusionados."),
        ("cualquier-cosa", "", "Lo que guardó Beto."),
    ],
)
def test_the_conflict_page_does_what_the_editor_chooses(choice, merged, expected):
    record, url, ana, refused = conflict()
    data = admin_form_data(refused)
    assert data["summary_es_mx__resolution"] == "theirs"  # the default
    assert data["summary_es_mx__merge"] == "Lo que guardó Beto."  # a start for merging
    data["summary_es_mx__resolution"] = choice
    if merged:
        data["summary_es_mx__merge"] = merged
    saved(ana, url, data)
    record.refresh_from_db()
    assert record.summary == expected


def test_the_editors_other_changes_are_kept_beside_the_others_field():
    record = Instrument.objects.get(acronym="PTAT")
    url = change_url(record)
    ana, beto = editor("ana"), editor("beto")
    form_ana, form_beto = admin_form_data(ana.get(url)), admin_form_data(beto.get(url))
    form_beto["summary_es_mx"] = "Resumen de Beto."
    saved(beto, url, form_beto)
    form_ana["description_es_mx"] = "Descripción de Ana."
    refused = ana.post(url, form_ana)
    assert "Cambió: resumen (español)." in refused.content.decode()
    saved(ana, url, admin_form_data(refused))
    record.refresh_from_db()
    assert (record.summary, record.description) == ("Resumen de Beto.", "Descripción de Ana.")


def test_a_save_made_while_the_editor_chose_is_caught_too():
    record, url, ana, refused = conflict()
    data = admin_form_data(refused)
    data["summary_es_mx__resolution"] = "mine"
    carla = editor("carla")
    form_carla = admin_form_data(carla.get(url))
    form_carla["summary_es_mx"] = "Lo que guardó Carla."
    saved(carla, url, form_carla)
    again = ana.post(url, data)
    assert again.status_code == 200
    assert "Lo que guardó Carla." in again.content.decode()
    record.refresh_from_db()
    assert record.summary == "Lo que guardó Carla."


def test_a_key_figure_saved_on_its_own_page_survives_a_stale_instrument_form():
    figure = KeyFigure.objects.first()
    instrument = figure.instrument
    url = change_url(instrument)
    ana, beto = editor("ana"), editor("beto")
    form_ana = admin_form_data(ana.get(url))
    form_figure = admin_form_data(beto.get(change_url(figure)))
    form_figure["unit_es_mx"] = "personas (según Beto)"
    saved(beto, change_url(figure), form_figure)

    form_ana["summary_es_mx"] = "Resumen de Ana."
    refused = ana.post(url, form_ana)
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "Cambió: unidad (español)." in page and "personas (según Beto)" in page
    saved(ana, url, admin_form_data(refused))
    figure.refresh_from_db()
    instrument.refresh_from_db()
    assert figure.unit == "personas (según Beto)"
    assert instrument.summary == "Resumen de Ana."


def test_a_related_link_added_on_the_other_instrument_survives_a_stale_save():
    first, second = Instrument.objects.get(acronym="PTAT"), Instrument.objects.get(acronym="TVTF")
    assert second not in first.related.all()
    ana, beto = editor("ana"), editor("beto")
    form_ana = admin_form_data(ana.get(change_url(second)))
    form_beto = admin_form_data(beto.get(change_url(first)))
    form_beto["related"] = [*form_beto.get("related", []), second.pk]
    saved(beto, change_url(first), form_beto)

    form_ana["summary_es_mx"] = "Resumen de Ana."
    saved(ana, change_url(second), form_ana)  # no conflict: nothing of hers was changed
    second.refresh_from_db()
    assert second.summary == "Resumen de Ana."
    assert first in second.related.all()


def test_links_both_editors_changed_are_merged():
    record = Instrument.objects.get(acronym="PTAT")
    url = change_url(record)
    groups = list(record.target_groups.all())
    added_by_beto, added_by_ana = TargetGroup.objects.exclude(pk__in=[g.pk for g in groups])[:2]
    ana, beto = editor("ana"), editor("beto")
    form_ana, form_beto = admin_form_data(ana.get(url)), admin_form_data(beto.get(url))
    form_beto["target_groups"] = [*form_beto["target_groups"], added_by_beto.pk]
    saved(beto, url, form_beto)
    # Ana adds one group and removes another, on the form she opened before Beto saved.
    form_ana["target_groups"] = [*form_ana["target_groups"][1:], added_by_ana.pk]
    saved(ana, url, form_ana)
    assert set(record.target_groups.all()) == {*groups[1:], added_by_beto, added_by_ana}


@pytest.mark.parametrize("choice", ["theirs", "mine"])
def test_a_link_added_with_a_conflicting_change_survives_the_conflict_page(choice):
    record = Instrument.objects.get(acronym="PTAT")
    url = change_url(record)
    group = TargetGroup.objects.exclude(instruments=record).first()
    ana, beto = editor("ana"), editor("beto")
    form_ana, form_beto = admin_form_data(ana.get(url)), admin_form_data(beto.get(url))
    form_beto["target_groups"] = [*form_beto["target_groups"], group.pk]
    form_beto["summary_es_mx"] = "Resumen de Beto."
    saved(beto, url, form_beto)
    form_ana["summary_es_mx"] = "Resumen de Ana."
    refused = ana.post(url, form_ana)
    data = admin_form_data(refused)
    assert str(group.pk) in data["target_groups"]  # shown as it will be saved
    data["summary_es_mx__resolution"] = choice
    saved(ana, url, data)
    record.refresh_from_db()
    assert group in record.target_groups.all()
    assert record.summary == {"theirs": "Resumen de Beto.", "mine": "Resumen de Ana."}[choice]


def superuser_request():
    request = RequestFactory().get("/")
    request.user = User(is_superuser=True, is_staff=True)
    return request


@pytest.mark.parametrize("model", list(admin.site._registry), ids=str)
def test_every_editable_admin_form_and_inline_has_the_check(model):
    editor("ana")  # an account to edit
    request, model_admin = superuser_request(), admin.site._registry[model]
    obj = model._default_manager.first()
    admins = [
        (model_admin, model_admin.get_form(request, obj, change=True)),
        *(
            (inline, inline.get_formset(request, obj).form)
            for inline in model_admin.get_inline_instances(request, obj)
        ),
    ]
    for each_admin, form in admins:
        if not [name for name in form.base_fields if name != STATE_FIELD]:
            continue  # read-only records (login attempts): nothing to overwrite
        assert issubclass(form, ConcurrentEditForm), each_admin
        assert STATE_FIELD in flatten_fieldsets(each_admin.get_fieldsets(request, obj))


def posted_data(response):
    """admin_form_data, with date and time split as the account form's widget posts them."""
    data = admin_form_data(response)
    for name, field in response.context["adminform"].form.fields.items():
        if isinstance(field, forms.SplitDateTimeField) and data.get(name):
            when = localtime(data.pop(name))
            data[f"{name}_0"], data[f"{name}_1"] = when.date(), when.time()
    return data


def free_text_field(form):
    """A text field any value suits, to stand for an edit of the record."""
    model = form._meta.model
    names = [
        name
        for name, field in form.fields.items()
        if type(field) is forms.CharField
        and not field.disabled
        and name not in ("source_quote", "password", STATE_FIELD)
        and not model._meta.get_field(name).unique
    ]
    return "citation" if "citation" in names else next(iter(names), None)


@pytest.mark.parametrize("model", list(admin.site._registry), ids=str)
def test_every_model_refuses_a_stale_save(model):
    ana, beto = editor("ana"), editor("beto")
    record = model._default_manager.first()
    if record is None:
        pytest.skip("no record of this model in the knowledge base")
    url = change_url(record)
    page = beto.get(url)
    form = page.context["adminform"].form
    name = free_text_field(form)
    if name is None:
        pytest.skip("no free text field to change")
    form_ana, form_beto = posted_data(ana.get(url)), posted_data(page)
    form_beto[name] = "Beto"
    saved(beto, url, form_beto)
    form_ana[name] = "Ana"
    refused = ana.post(url, form_ana)
    assert refused.status_code == 200
    assert "Otra persona guardó este registro" in refused.content.decode()
    state = json.loads(admin_form_data(refused)[STATE_FIELD])
    assert state["conflicts"] == [name]


def test_a_lone_editor_saves_without_friction(admin_client):
    record = Instrument.objects.get(acronym="TVTF")
    url = reverse("admin:programs_instrument_change", args=[record.pk])
    data = admin_form_data(admin_client.get(url))
    data["summary_es_mx"] = "Primera edición."
    assert admin_client.post(url, data).status_code == 302
    data = admin_form_data(admin_client.get(url))
    data["summary_es_mx"] = "Segunda edición."
    assert admin_client.post(url, data).status_code == 302


def test_a_key_figure_row_left_alone_does_not_block_the_instrument_form():
    instrument = KeyFigure.objects.first().instrument
    url = change_url(instrument)
    ana = editor("ana")
    data = admin_form_data(ana.get(url))
    data["summary_es_mx"] = "Resumen de Ana."
    saved(ana, url, data)


@pytest.mark.parametrize("edited", [False, True], ids=["untouched", "edited"])
def test_a_row_deleted_meanwhile_stays_deleted_and_the_editor_is_told(edited):
    figure = KeyFigure.objects.first()
    instrument = figure.instrument
    url = change_url(instrument)
    ana = editor("ana")
    data = admin_form_data(ana.get(url))
    row = next(
        k
        for k, v in data.items()
        if k.startswith("key_figures-") and k.endswith("-id") and v == figure.pk
    )
    pk = figure.pk
    figure.delete()  # by someone else
    data["summary_es_mx"] = "Resumen de Ana."
    if edited:
        data[row.replace("-id", "-unit_es_mx")] = "unidad según Ana"
    response = ana.post(url, data, follow=True)
    assert response.redirect_chain, [
        (f.formset.errors, f.formset.non_form_errors())
        for f in response.context["inline_admin_formsets"]
    ]
    instrument.refresh_from_db()
    assert instrument.summary == "Resumen de Ana."
    assert not KeyFigure.objects.filter(pk=pk).exists()
    told = [str(m) for m in response.context["messages"] if "eliminó una fila" in str(m)]
    if edited:
        assert len(told) == 1 and "unidad (español): unidad según Ana" in told[0]
    else:
        assert told == []


@pytest.mark.parametrize(
    "state",
    [
        "no es JSON",
        "[1, 2]",
        '{"values": {"summary_es_mx": 3}}',
        '{"links": {"target_groups": [{}]}}',
        '{"links": {"target_groups": ["x"]}}',
        '{"conflicts": [["summary_es_mx"]]}',
    ],
)
def test_a_tampered_state_is_no_error_page(state):
    record = Instrument.objects.get(acronym="PTAT")
    url = change_url(record)
    ana = editor("ana")
    data = admin_form_data(ana.get(url))
    data[STATE_FIELD] = state
    data["summary_es_mx"] = "Resumen de Ana."
    saved(ana, url, data)
    record.refresh_from_db()
    assert record.summary == "Resumen de Ana."


@pytest.mark.parametrize("choice, expected", [("theirs", "campana"), ("mine", "iniciativa")])
def test_a_choice_field_in_conflict_offers_theirs_or_mine(choice, expected):
    record = Instrument.objects.get(acronym="PTAT")
    url = change_url(record)
    ana, beto = editor("ana"), editor("beto")
    form_ana, form_beto = admin_form_data(ana.get(url)), admin_form_data(beto.get(url))
    form_beto["kind"] = "campana"
    saved(beto, url, form_beto)
    form_ana["kind"] = "iniciativa"
    refused = ana.post(url, form_ana)
    page = refused.content.decode()
    assert "Cambió: tipo." in page
    assert "campaña" in page.split("conflict-theirs", 1)[1].split("</div>", 1)[0]
    data = admin_form_data(refused)
    assert "kind__merge" not in data  # nothing to merge in a choice
    data["kind__resolution"] = choice
    saved(ana, url, data)
    record.refresh_from_db()
    assert record.kind == expected


def test_a_participation_saved_on_its_own_page_survives_a_stale_instrument_form():
    participation = Participation.objects.filter(instrument__acronym="PTAT").first()
    instrument = participation.instrument
    url, own_url = change_url(instrument), change_url(participation)
    ana, beto = editor("ana"), editor("beto")
    form_ana = admin_form_data(ana.get(url))
    form_beto = admin_form_data(beto.get(own_url))
    form_beto["citation_es_mx"] = "Fuente citada por Beto."
    saved(beto, own_url, form_beto)

    form_ana["summary_es_mx"] = "Resumen de Ana."
    refused = ana.post(url, form_ana)
    assert refused.status_code == 200
    assert "Fuente citada por Beto." in refused.content.decode()  # in its table row
    saved(ana, url, admin_form_data(refused))
    participation.refresh_from_db()
    instrument.refresh_from_db()
    assert participation.citation == "Fuente citada por Beto."
    assert instrument.summary == "Resumen de Ana."
