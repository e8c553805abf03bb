from pathlib import Path

from django.db import migrations

SQL = Path(__file__).parent / "sql"


def frozen(part: str) -> str:
    return (SQL / f"0019_loan_keeps_its_customer.{part}.sql").read_text()


class Migration(migrations.Migration):
    """A loan never changes its debtor: PostgreSQL refuses to move a loan to another customer,
    whoever writes (a screen, an import, admin or SQL). A bank transfers a debt by a new
    contract with the new debtor, a new loan. The nightly relies on it: it reads a chunk's
    loan risks and provisions by the customer they are filed under, the loan's customer when
    they were written, and a loan moved would leave them under the former one. No path of the
    product moves a loan: the trigger changes no row."""

    dependencies = [("lending", "0018_group_member_scope")]

    operations = [migrations.RunSQL(frozen("install"), frozen("uninstall"))]
