"""The demo cast: the same people in `seed_demo`, the README and the test suite."""

from django.db import transaction

from accounts import services
from accounts.models import Branch, Role, User

DEMO_PASSWORD = "xindai-demo"  # noqa: S105 - printed by `make run`; refused when DEBUG=0

BRANCHES = [
    # code, name, head office
    ("HO", "Head Office", True),
    ("NORTH", "North", False),
    ("SOUTH", "South", False),
]

CAST = [
    # username, first name, last name, role, branch code, superuser
    ("alice", "Alice", "Wang", Role.OFFICER, "NORTH", False),
    ("bob", "Bob", "Li", Role.OFFICER, "NORTH", False),
    ("charlie", "Charlie", "Zhang", Role.OFFICER, "SOUTH", False),
    ("mary", "Mary", "Chen", Role.MANAGER, "NORTH", False),
    ("rita", "Rita", "Liu", Role.RISK_OFFICER, "HO", False),
    ("admin", "Ada", "Admin", Role.ADMIN, "HO", True),
    ("cora", "Cora", "Zhou", Role.COMPLIANCE, "HO", False),
]


@transaction.atomic
def seed_cast(password: str = DEMO_PASSWORD) -> dict[str, User]:
    """Creates what is missing and leaves what exists alone, so it is safe to run again."""
    branches = {}
    for code, name, head_office in BRANCHES:
        branches[code], _ = Branch.objects.get_or_create(
            code=code, defaults={"name": name, "is_head_office": head_office}
        )
    people = {}
    for username, first, last, role, branch_code, superuser in CAST:
        existing = User.objects.filter(username=username).first()
        people[username] = existing or services.user_create(
            actor=None,
            username=username,
            password=password,
            role=role,
            branch=branches[branch_code],
            first_name=first,
            last_name=last,
            email=f"{username}@demo.xindai.example",
            is_superuser=superuser,
        )
    return people


def seed_demo(**options) -> str:
    seed_cast()
    return f"{len(CAST)} demo users"
