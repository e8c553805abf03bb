"""The permission groups behind each role, kept in sync by data migrations.

A role is the user's `role` field; its group carries the Django model permissions that the
admin site and permission checks use. Later apps add their codenames here and call
`sync_role_groups` from a data migration of their own.
"""

from accounts.models import Role

GROUP_NAMES = {
    Role.OFFICER: "Loan officer",
    Role.MANAGER: "Manager",
    Role.RISK_OFFICER: "Risk officer",
    Role.ADMIN: "Admin",
    Role.COMPLIANCE: "Compliance",
}

_CUSTOMER_WORK = [
    "customer",
    "contactperson",
    "needsprofile",
    "interaction",
    "followup",
    "complaint",
    "survey",
]
_CUSTOMER_REFERENCE = ["industry", "tag", "revisitcadence"]
# Watch-list screening (customers/screening.py): the lists and the hits compliance works.
_SCREENING = ["watchlist", "watchlistentry", "screeninghit"]

_CREDIT_WORK = ["financialstatement", "assessment"]
_CREDIT_REFERENCE = ["scorecardversion"]
# Lending's models lived in the credit app until it became an app of its own; their content
# types and permissions moved with them (lending migration 0002).
_LENDING_WORK = ["application", "collateral", "guarantor"]
_LENDING_BOOK = [
    "loan",
    "instalment",
    "repayment",
    "restructuring",
    "customernotification",
    "applicationevent",
    "collateralvaluation",
    "repaymentallocation",
]
_LENDING_REFERENCE = ["loanproduct", "pricingrule"]

_RISK_BOOK = ["loanrisk", "riskhistory", "alert", "alertaction", "jobrun", "manualsignal"]
_RISK_REFERENCE = ["earlywarningrule", "industrywatch", "risklevelpolicy", "risklevelstrategy"]

_BEAT_MODELS = [
    "periodictask",
    "intervalschedule",
    "crontabschedule",
    "solarschedule",
    "clockedschedule",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OFFICER: [
        *(
            f"customers.{action}_{model}"
            for model in _CUSTOMER_WORK
            for action in ("add", "change", "view")
        ),
    ],
    Role.MANAGER: [
        "accounts.view_user",
        "accounts.view_branch",
        *(
            f"customers.{action}_{model}"
            for model in _CUSTOMER_WORK
            for action in ("add", "change", "view")
        ),
    ],
    Role.RISK_OFFICER: [
        "accounts.view_user",
        "accounts.view_branch",
        "audit.view_auditevent",
        *(f"customers.view_{model}" for model in _CUSTOMER_WORK + _CUSTOMER_REFERENCE),
        "customers.change_industry",
        "customers.change_revisitcadence",
        *(f"credit.view_{model}" for model in _CREDIT_WORK + _CREDIT_REFERENCE),
        "credit.add_scorecardversion",
        "credit.change_scorecardversion",
        *(f"lending.view_{model}" for model in _LENDING_WORK + _LENDING_BOOK + _LENDING_REFERENCE),
        "lending.change_pricingrule",
        *(f"risk.view_{model}" for model in _RISK_BOOK + _RISK_REFERENCE),
        *(f"risk.{action}_{model}" for model in _RISK_REFERENCE for action in ("add", "change")),
    ],
    Role.ADMIN: [
        *(
            f"customers.{action}_{model}"
            for model in _CUSTOMER_WORK + _CUSTOMER_REFERENCE
            for action in ("add", "change", "view")
        ),
        *(
            f"accounts.{action}_{model}"
            for model in ("user", "branch")
            for action in ("add", "change", "view")
        ),
        "auth.view_group",
        "audit.view_auditevent",
        "audit.view_jobheartbeat",
        *(
            f"django_celery_beat.{action}_{model}"
            for model in _BEAT_MODELS
            for action in ("add", "change", "delete", "view")
        ),
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accessfailurelog",
        *(f"customers.view_{model}" for model in _SCREENING),
    ],
    # Compliance screens every customer against the watch lists, bank-wide: it reads the
    # customers and works the hits, and edits nothing else.
    Role.COMPLIANCE: [
        *(f"customers.view_{model}" for model in _CUSTOMER_WORK + _SCREENING),
        *(f"customers.{action}_{model}" for model in _SCREENING for action in ("add", "change")),
    ],
}

# Roles that work in Django admin (an admin runs the system; a risk officer tunes rules).
STAFF_ROLES = frozenset({Role.RISK_OFFICER, Role.ADMIN})


def sync_role_groups(group_model, permission_model) -> None:
    """Creates the role groups and gives each exactly the permissions listed above.

    Data migrations call it at several points of history, and it reads today's list: that is
    safe because it converges. It grants only the permissions that exist when it runs (so an
    early call ignores the models of later apps), and the latest data migration to call it
    leaves every group exactly as ROLE_PERMISSIONS says."""
    for role, group_name in GROUP_NAMES.items():
        group, _ = group_model.objects.get_or_create(name=group_name)
        wanted = [tuple(name.split(".", 1)) for name in ROLE_PERMISSIONS[role]]
        permissions = [
            permission
            for permission in permission_model.objects.select_related("content_type")
            if (permission.content_type.app_label, permission.codename) in wanted
        ]
        group.permissions.set(permissions)
