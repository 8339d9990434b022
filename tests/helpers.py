"""Helpers shared by tests."""


def admin_form_data(response):
    """The data the admin change form in `response` would post, unchanged."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value

    add(response.context["adminform"].form)
    # The history revert form has no inlines.
    inlines = response.context.get("inline_admin_formsets") or []
    for inline in inlines:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data
