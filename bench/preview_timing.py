"""make bench: a rule change and a policy change previewed over the whole bench book, as a
risk officer's Preview button computes them (risk.rule_preview), against the alerts and risk
levels of the last night the bench ran. Target at 1,000,000 loans: ≤ 10 s each."""

from __future__ import annotations

import time

TARGET_SECONDS = 10
# The previewed changes: the 30-day step of the days-past-due ladder brought down to 15
# days (the ladder's four rules read the whole book's unpaid instalments in one pass), and
# medium risk from grade BBB instead of the seeded BB (every customer's level recomputed).
DPD_RULE = "dpd_30"
DPD_THRESHOLD = 15
MEDIUM_GRADE_FROM = "BBB"


def rule_preview_step() -> dict:
    from django.db.models import Max

    from accounts.models import Role, User
    from risk.models import EarlyWarningRule, JobRun, RiskLevelPolicy
    from risk.rule_preview import CLEARED, MOVED, RAISED, policy_change_preview, rule_change_preview

    on = JobRun.objects.aggregate(last=Max("business_date"))["last"]
    risk_officer = (
        User.objects.filter(role=Role.RISK_OFFICER, is_active=True).order_by("id").first()
        or User.objects.filter(is_superuser=True, is_active=True).order_by("id").first()
    )
    rule = EarlyWarningRule.objects.get(code=DPD_RULE)
    rule.threshold = DPD_THRESHOLD
    started = time.perf_counter()
    preview = rule_change_preview(user=risk_officer, rule=rule, on=on)
    rule_seconds = round(time.perf_counter() - started, 2)

    policy = RiskLevelPolicy.objects.order_by("id").first()
    policy.medium_grade_from = MEDIUM_GRADE_FROM
    started = time.perf_counter()
    levels = policy_change_preview(user=risk_officer, policy=policy)
    policy_seconds = round(time.perf_counter() - started, 2)
    return {
        "on": on.isoformat() if on else None,
        "rule_seconds": rule_seconds,
        "raised": preview.total(RAISED),
        "cleared": preview.total(CLEARED),
        "moved": preview.total(MOVED),
        "policy_seconds": policy_seconds,
        "levels_moved": levels.total(MOVED),
    }


def lines(result: dict) -> list[str]:
    preview = result.get("rule_preview")
    if not preview:
        return []
    rule = f"preview: {DPD_RULE} at {DPD_THRESHOLD} days, whole book"
    policy = f"preview: medium risk from {MEDIUM_GRADE_FROM}, whole book"
    return [
        f"{rule:<46}{preview['rule_seconds']:>20} s",
        f"{'  alerts raised / cleared / moved':<46}"
        f"{preview['raised']:>8,} / {preview['cleared']:,} / {preview['moved']:,}",
        f"{policy:<46}{preview['policy_seconds']:>20} s",
        f"{'  risk levels that would move':<46}{preview['levels_moved']:>22,}",
    ]


def verdicts(result: dict) -> dict:
    preview = result.get("rule_preview")
    if not preview:
        return {}
    return {
        f"rule-change preview ≤ {TARGET_SECONDS} s": preview["rule_seconds"] <= TARGET_SECONDS,
        f"policy-change preview ≤ {TARGET_SECONDS} s": (
            preview["policy_seconds"] <= TARGET_SECONDS
        ),
    }
