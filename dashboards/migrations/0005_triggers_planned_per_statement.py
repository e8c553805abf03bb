from django.db import migrations

from dashboards import figures


class Migration(migrations.Migration):
    """The book-figure triggers plan their statement for each change (dashboards.figures)."""

    dependencies = [("dashboards", "0004_book_figures")]

    operations = [migrations.RunSQL(figures.install_sql(), migrations.RunSQL.noop)]
