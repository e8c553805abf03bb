from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.roles import sync_role_groups


def grant(apps, schema_editor):
    """The compliance group and the screening models' permissions (accounts/roles.py)."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0011_watch_list_screening"),
        ("accounts", "0004_compliance_role"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
