"""Every audit action the product writes has a name people read, in both languages, and admin's
audit pages show the names ("用户：已登录"), never the codes ("accounts.user.logged_in"),
with the fields of a change by their names and the choices by their labels."""

import re
from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

from audit.actions import action_name
from audit.admin_mixins import AuditedReferenceAdmin
from audit.models import AuditEvent
from audit.services import audit_change, audit_log
from customers.models import FollowUpStatus
from lending.models import ApplicationStatus, ProposalStatus
from lending.services.proposals import PROPOSAL_KINDS
from risk.models import AlertStatus
from tests.platform.test_chinese_everywhere import visible_texts

APPS = ("accounts", "audit", "core", "credit", "customers", "dashboards", "lending", "risk")
LITERAL_CODE = re.compile(r'"((?:accounts|customers|credit|lending|risk)\.[a-z_]+\.[a-z_]+)"')


def codes_written() -> set[str]:
    """The action codes in the product's source, with the families its services build from a
    status, a proposal's kind, an export's type or a reference model's label."""
    codes = set()
    for app in APPS:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            if "migrations" not in path.parts:
                codes |= set(LITERAL_CODE.findall(path.read_text()))
    # Prefixes the proposals complete (lending.services.proposals).
    codes -= set(PROPOSAL_KINDS.values())
    codes |= {
        f"{kind}_{end}" for kind in PROPOSAL_KINDS.values() for end in ("rejected", "withdrawn")
    }
    codes |= {f"credit.application.{status}" for status in ApplicationStatus.values}
    codes |= {f"risk.alert.{status}" for status in AlertStatus.values}
    codes |= {f"customers.follow_up.{status}" for status in FollowUpStatus.values}
    codes |= {f"credit.scorecard_alert.{status}" for status in ("acknowledged", "closed")}
    codes |= {
        f"risk.classification.override_{status}"
        for status in ProposalStatus.values
        if status != ProposalStatus.PENDING
    }
    codes |= {
        f"{what}.exported" for what in ("customers.customer", "credit.loan", "dashboards.report")
    }
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, AuditedReferenceAdmin):
            codes |= {f"{model._meta.label_lower}.{end}" for end in ("created", "updated")}
    return codes


def test_every_action_the_product_writes_has_a_name_in_both_languages():
    codes = codes_written()
    assert "accounts.user.logged_in" in codes and "risk.alert.escalated" in codes
    unnamed = sorted(code for code in codes if action_name(code) == code)
    assert unnamed == [], "add them to audit/actions.py"
    with translation.override("zh-hans"):
        untranslated = sorted(
            code for code in codes if not re.search(r"[\u4e00-\u9fff]", action_name(code))
        )
    assert untranslated == []


def admin_page(client, user, url: str, params=None) -> str:
    user.language = "zh-hans"
    user.save(update_fields=["language"])
    response = client(user).get(url, params or {})
    assert response.status_code == 200
    return " ".join(visible_texts(response.content.decode()))


def test_admin_audit_list_names_the_actions(client_for, admin_user, alice):
    audit_log(actor=alice, action="accounts.user.logged_in", obj=alice)
    page = admin_page(client_for, admin_user, reverse("admin:audit_auditevent_changelist"))
    assert "用户：已登录" in page
    assert "accounts.user.logged_in" not in page
    # The filter still filters by the code.
    filtered = client_for(admin_user).get(
        reverse("admin:audit_auditevent_changelist"), {"action": "accounts.user.logged_in"}
    )
    assert {row.action for row in filtered.context["cl"].result_list} == {"accounts.user.logged_in"}


def test_admin_audit_event_shows_the_change_in_words(client_for, admin_user, alice):
    from customers.models import RiskLevel
    from tests.customers import factories

    customer = factories.individual(alice, name="王小明")
    event = audit_change(
        actor=alice,
        action="customers.customer.updated",
        obj=customer,
        before={"risk_level": RiskLevel.MEDIUM},
        after={"risk_level": RiskLevel.HIGH},
    )
    page = admin_page(
        client_for, admin_user, reverse("admin:audit_auditevent_change", args=[event.pk])
    )
    assert "客户：已更新" in page
    assert "风险等级: 中" in page and "风险等级: 高" in page
    assert "customers.customer.updated" not in page and "medium" not in page
    assert AuditEvent.objects.get(pk=event.pk).action == "customers.customer.updated"
