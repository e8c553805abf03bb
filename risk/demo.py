"""The demo ends with a risk run, so the book shows real alerts of every severity (a few
manual signals, a lawsuit and negative news, are raised first by the customers' officers),
and with the scorecards' monitoring computed on the book."""

import random

from core.business_date import business_date
from credit import monitoring
from customers.models import Customer
from risk import jobs, services
from risk.models import ManualSignal

SIGNALS = [
    ("lawsuit", "供应商起诉拖欠货款，涉案金额约 80 万元"),
    ("negative_news", "当地媒体报道企业停产整顿"),
]


def seed_demo(*, seed: int, **options) -> str:
    if not ManualSignal.objects.exists():
        rng = random.Random(seed)
        enterprises = list(
            Customer.objects.filter(kind="enterprise", loans__isnull=False)
            .select_related("officer")
            .distinct()
            .order_by("id")
        )
        for (kind, note), customer in zip(
            SIGNALS, rng.sample(enterprises, min(2, len(enterprises))), strict=False
        ):
            services.signal_raise(
                actor=customer.officer, signal=ManualSignal(customer=customer, kind=kind, note=note)
            )
    run = jobs.run_synchronously(jobs.NIGHTLY, business_date())
    if run is None:
        return "risk recompute already running"
    # The monthly scorecard monitoring too, so its page has figures on the first visit.
    reports = monitoring.run_monthly(business_date())
    return (
        f"risk recompute: {run.counts.get('alerts_raised', 0)} alerts raised; "
        f"{len(reports)} scorecards monitored"
    )
