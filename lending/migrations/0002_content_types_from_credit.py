"""The moved models' content types move with them: credit.loan becomes lending.loan, and so on,
keeping its id, so the permissions, the role groups holding them and the admin's log entries
that point at it stay as they were. Then the role groups are synced to accounts/roles.py,
which names these permissions under "lending".

A content type may already exist under "lending" when this runs: a data migration that
created the permissions of every app between lending 0001 and credit 0014 (the models were in
both apps' state then), or a migrate stopped after lending 0001 whose post_migrate created them.
Such a one is new and carries nothing but its own fresh permissions, so it gives way to the one
history points at. Running again finds nothing under "credit" and changes nothing; on a fresh
database the rows come from credit 0002 and move the same way."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.roles import sync_role_groups

MOVED = [
    "application",
    "applicationevent",
    "collateral",
    "collateralvaluation",
    "customernotification",
    "guarantor",
    "instalment",
    "loan",
    "loanproduct",
    "pricingrule",
    "repayment",
    "repaymentallocation",
    "repaymentreversalproposal",
    "restructuring",
    "restructuringproposal",
]


def _relabel(apps, source: str, target: str) -> None:
    content_type_model = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        kept = content_type_model.objects.filter(app_label=source, model=model).first()
        if kept is None:
            continue
        # Deleting the newer one deletes its permissions and their grants with it.
        content_type_model.objects.filter(app_label=target, model=model).delete()
        kept.app_label = target
        kept.save(update_fields=["app_label"])


def forwards(apps, schema_editor):
    _relabel(apps, "credit", "lending")
    # Permissions a model never had yet (the proposals', added after credit 0002 created the
    # others) are created now, so the groups can be given them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def backwards(apps, schema_editor):
    # The permissions go back with their content types; the groups keep holding them.
    _relabel(apps, "lending", "credit")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_two_factor_enabled"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("credit", "0014_lending_models_moved_out"),
        ("lending", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
