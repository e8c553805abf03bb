from django.db import migrations

from dashboards import figures


class Migration(migrations.Migration):
    """A loan risk change reaches the book figures when its class or overdue bucket moves,
    not each time its days past due grow by one (dashboards.figures.RISK_CHANGED); the
    nightly job's chunks add their differences at their end (figures.DEFERRED_SETTING)."""

    dependencies = [("dashboards", "0005_triggers_planned_per_statement")]

    operations = [migrations.RunSQL(figures.install_sql(), migrations.RunSQL.noop)]
