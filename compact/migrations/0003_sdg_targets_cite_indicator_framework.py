"""The SDG targets' Spanish texts are their current UN wording («De aquí a 2030…»), which is
the annex of A/RES/71/313 (the global indicator framework), not A/RES/70/1 as first cited:
the 2015 resolution's Spanish reads «Para 2030…». Databases loaded before get the right
citation; a URL an editor changed is left alone."""

from django.db import migrations

OLD = "https://undocs.org/es/A/RES/70/1"
NEW = "https://undocs.org/es/A/RES/71/313"


def cite_indicator_framework(apps, schema_editor):
    apps.get_model("compact", "SDGTarget").objects.filter(source_url=OLD).update(source_url=NEW)


def cite_agenda(apps, schema_editor):
    apps.get_model("compact", "SDGTarget").objects.filter(source_url=NEW).update(source_url=OLD)


class Migration(migrations.Migration):
    dependencies = [("compact", "0002_quote_source")]

    operations = [migrations.RunPython(cite_indicator_framework, cite_agenda)]
