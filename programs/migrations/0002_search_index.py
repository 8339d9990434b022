from django.db import migrations

from programs.search import index_operation


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]

    operations = [index_operation("programs", "Instrument", "programs_instrument_search")]
