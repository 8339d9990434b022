from django.db import migrations

from programs.search import index_operation


class Migration(migrations.Migration):
    dependencies = [("practices", "0001_initial")]

    operations = [index_operation("practices", "Practice", "practices_practice_search")]
