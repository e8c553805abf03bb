"""Demo customers for `seed_demo`: Chinese names, valid IDs and credit codes, a few months of
relationship history. Deterministic for a given seed, and safe to run again (customers are
matched by their identifier; history is only added to customers created in this run)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from accounts.models import Role, User
from customers import services
from customers.identifiers import (
    CREDIT_CODE_ALPHABET,
    credit_code_check_char,
    resident_id_check_char,
)
from customers.models import (
    Channel,
    Complaint,
    ComplaintCategory,
    Customer,
    CustomerKind,
    EnterpriseSize,
    FollowUp,
    FollowUpKind,
    Industry,
    Interaction,
    NeedsProfile,
    RiskLevel,
    Severity,
    Survey,
    SurveyEvent,
    SurveySource,
    resident_id_digest,
)
from customers.relation_demo import seed_demo_group
from customers.screening_demo import seed_watch_list

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国晓红文斌宇浩欣怡子涵梓萱"
AREAS = ["110101", "310101", "440305", "330106", "510104", "420102", "320102", "370202"]
OCCUPATIONS = [
    "教师",
    "工程师",
    "医生",
    "个体经营者",
    "公务员",
    "销售经理",
    "会计",
    "司机",
    "程序员",
    "护士",
]
EMPLOYERS = [
    "市第一中学",
    "华为技术有限公司",
    "市人民医院",
    "自营",
    "区税务局",
    "美的集团",
    "德勤华永会计师事务所",
    "顺丰速运",
    "腾讯科技",
    "市中心医院",
]
CITY_WORDS = ["华", "盛", "鑫", "源", "恒", "泰", "达", "通", "宏", "瑞", "丰", "远"]
BUSINESS_WORDS = {
    "C": "制造",
    "F": "商贸",
    "E": "建设",
    "G": "物流",
    "I": "信息技术",
    "H": "餐饮",
    "A": "农业",
    "K": "置业",
    "M": "科技",
    "L": "咨询",
}
STREETS = ["中山路", "人民路", "解放大道", "建设路", "滨江大道", "科技园路"]


def _resident_id(rng: random.Random, birth: dt.date, male: bool) -> str:
    sequence = rng.randrange(0, 100) * 10 + rng.choice([1, 3, 5, 7, 9] if male else [0, 2, 4, 6, 8])
    first17 = f"{rng.choice(AREAS)}{birth:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_char(first17)


def _credit_code(rng: random.Random) -> str:
    body = "".join(rng.choice(CREDIT_CODE_ALPHABET[:10]) for _ in range(8))
    first17 = f"91{rng.choice(AREAS)}{body}{rng.choice(CREDIT_CODE_ALPHABET)}"
    return first17 + credit_code_check_char(first17)


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(0, 10**9):09d}"


def _individual(rng: random.Random, today: dt.date) -> Customer:
    male = rng.random() < 0.5
    birth = today - dt.timedelta(days=rng.randrange(22 * 365, 65 * 365))
    job = rng.randrange(len(OCCUPATIONS))
    return Customer(
        kind=CustomerKind.INDIVIDUAL,
        name=rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2]))),
        resident_id=_resident_id(rng, birth, male),
        occupation=OCCUPATIONS[job],
        employer=EMPLOYERS[job],
        monthly_income=Decimal(rng.randrange(40, 600) * 100),
        phone=_mobile(rng),
        address=f"{rng.choice(STREETS)}{rng.randrange(1, 400)}号",
        risk_level=rng.choices(list(RiskLevel), weights=[5, 4, 1])[0],
    )


def _enterprise(rng: random.Random, today: dt.date, industries: dict[str, Industry]) -> Customer:
    code = rng.choice(list(BUSINESS_WORDS))
    revenue = Decimal(rng.randrange(2, 3000) * 1_000_000)
    size = (
        EnterpriseSize.MICRO
        if revenue < 5_000_000
        else EnterpriseSize.SMALL
        if revenue < 50_000_000
        else EnterpriseSize.MEDIUM
        if revenue < 500_000_000
        else EnterpriseSize.LARGE
    )
    return Customer(
        kind=CustomerKind.ENTERPRISE,
        name=f"{rng.choice(CITY_WORDS)}{rng.choice(CITY_WORDS)}{BUSINESS_WORDS[code]}有限公司",
        credit_code=_credit_code(rng),
        industry=industries[code],
        size=size,
        founded_on=today - dt.timedelta(days=rng.randrange(365, 25 * 365)),
        annual_revenue=revenue,
        registered_capital=Decimal(rng.randrange(1, 200) * 100_000),
        legal_representative=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
        phone=f"0{rng.randrange(10, 99)}-{rng.randrange(10**7, 10**8)}",
        address=f"{rng.choice(STREETS)}{rng.randrange(1, 400)}号",
        risk_level=rng.choices(list(RiskLevel), weights=[4, 4, 2])[0],
    )


def _history(rng: random.Random, customer: Customer, officer: User, now: dt.datetime) -> None:
    """A few months of contacts, plans, needs, complaints and surveys."""
    for _ in range(rng.randrange(1, 6)):
        interaction = Interaction(
            customer=customer,
            channel=rng.choice(list(Channel)),
            occurred_at=now - dt.timedelta(days=rng.randrange(1, 200), hours=rng.randrange(8)),
            summary=rng.choice(
                [
                    "电话回访，了解近期经营情况。",
                    "上门拜访，核实收入和资产。",
                    "客户咨询贷款利率和期限。",
                    "提醒客户按时还款。",
                    "介绍新的经营贷产品。",
                ]
            ),
            outcome=rng.choice(["客户满意", "需要进一步跟进", "客户有贷款意向", ""]),
        )
        services.interaction_log(actor=officer, interaction=interaction)
    if rng.random() < 0.5:
        services.needs_record(
            actor=officer,
            needs=NeedsProfile(
                customer=customer,
                products_of_interest=rng.choice(["经营贷", "住房按揭", "消费贷", "汽车贷款"]),
                amount=Decimal(rng.randrange(5, 500) * 10_000),
                term_months=rng.choice([12, 24, 36, 60, 120]),
                purpose=rng.choice(["补充流动资金", "购房", "装修", "购车", "设备采购"]),
                risk_appetite=rng.choice(["conservative", "balanced", "aggressive"]),
                preferred_channel=rng.choice([Channel.PHONE, Channel.VISIT, Channel.ONLINE]),
            ),
        )
    # Some plans lie in the past on purpose, so Today shows overdue work from the first login.
    today = timezone.localdate()
    for _ in range(rng.randrange(0, 3)):
        FollowUp.objects.create(
            customer=customer,
            owner=officer,
            kind=rng.choice([FollowUpKind.CALL, FollowUpKind.VISIT]),
            purpose=rng.choice(
                ["确认还款计划", "上门核查经营场所", "收集最新财务报表", "介绍续贷方案"]
            ),
            due_on=today + dt.timedelta(days=rng.randrange(-10, 10)),
        )
    if rng.random() < 0.15:
        services.complaint_record(
            actor=officer,
            complaint=Complaint(
                customer=customer,
                category=rng.choice(list(ComplaintCategory)),
                severity=rng.choice(list(Severity)),
                description=rng.choice(
                    [
                        "审批进度不透明，等待时间过长。",
                        "对提前还款手续费有异议。",
                        "客户经理回复不及时。",
                    ]
                ),
                received_at=now - dt.timedelta(days=rng.randrange(0, 12)),
            ),
        )
    if rng.random() < 0.4:
        services.survey_record(
            actor=officer,
            survey=Survey(
                customer=customer,
                event=rng.choice([SurveyEvent.LOAN_DISBURSED, SurveyEvent.PERIODIC]),
                source=rng.choice(list(SurveySource)),
                csat=rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 3, 6, 5])[0],
                nps=rng.choices(range(11), weights=[1, 1, 1, 1, 1, 2, 3, 5, 6, 5, 4])[0],
                responded_on=today - dt.timedelta(days=rng.randrange(0, 90)),
            ),
        )


def demo_candidates(*, count: int, seed: int, industries: dict[str, Industry], today):
    """The same `count` unsaved customers, each with the seed of its history, for a seed."""
    rng = random.Random(seed)
    for _index in range(count):
        candidate = (
            _individual(rng, today) if rng.random() < 0.65 else _enterprise(rng, today, industries)
        )
        yield candidate, rng.random()


def seed_customers(*, count: int, seed: int) -> int:
    """Creates up to `count` demo customers spread over the demo officers; returns how many
    were new in this run."""
    officers = list(User.objects.filter(role=Role.OFFICER, is_active=True).order_by("username"))
    if not officers:
        return 0
    industries = {industry.code: industry for industry in Industry.objects.all()}
    now = timezone.now()
    created = 0
    candidates = demo_candidates(
        count=count, seed=seed, industries=industries, today=timezone.localdate()
    )
    for index, (candidate, history_seed) in enumerate(candidates):
        officer = officers[index % len(officers)]
        lookup = (
            {"resident_id_hash": resident_id_digest(candidate.resident_id)}
            if candidate.resident_id
            else {"credit_code": candidate.credit_code}
        )
        if Customer.objects.filter(**lookup).exists():
            continue
        customer = services.customer_create(actor=officer, customer=candidate)
        _history(random.Random(history_seed), customer, officer, now)
        created += 1
    return created


def seed_demo(*, customers: int, seed: int, **options) -> str:
    created = seed_customers(count=customers, seed=seed)
    # After the customers: the demo list names one of them.
    listed = seed_watch_list()
    grouped = seed_demo_group()
    report = f"{created} new demo customers" + (f"; {listed}" if listed else "")
    return report + (f"; {grouped}" if grouped else "")
