from django.db import migrations

from risk import pending


class Migration(migrations.Migration):
    """The pending-customer triggers plan their statement for each change (risk.pending)."""

    dependencies = [("risk", "0004_alert_fillfactor")]

    operations = [migrations.RunSQL(pending.install_sql(), migrations.RunSQL.noop)]
