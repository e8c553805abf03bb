"""The models and the migrations agree: a change to a model comes with the migration that
makes it, so that the database a migrate builds is the one the code reads (a field's index
dropped in the model but not in a migration would stay in every database)."""

import pytest
from django.core.management import call_command

# makemigrations checks the history recorded in the database against the migrations on file.
pytestmark = pytest.mark.django_db


def test_the_models_need_no_migration_the_project_does_not_have():
    try:
        call_command("makemigrations", "--check", "--dry-run", verbosity=0)
    except SystemExit:
        pytest.fail("the models changed without a migration: run makemigrations")
