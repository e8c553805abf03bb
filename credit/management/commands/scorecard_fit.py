import datetime as dt
import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from core.business_date import business_date
from credit import fitting, outcomes, services
from credit.binning import AUTO, TREND_CHOICES
from credit.modelling import ModellingError
from credit.models import ScorecardStatus, ScorecardVersion
from customers.models import CustomerKind


class Command(BaseCommand):
    help = (
        "Fits a scorecard from a CSV of applicants with a good/bad outcome (or from the loan "
        "history), reports IV, bins, points, AUC, KS, Gini and PSI, and can save it as a draft."
    )

    def add_arguments(self, parser):
        parser.add_argument("train", nargs="?", help="CSV of applicants, one row each")
        parser.add_argument("--target", help="the outcome column")
        parser.add_argument("--bad-value", help="the outcome value that means bad (default 1)")
        parser.add_argument("--holdout", help="CSV to validate on; else 30%% of TRAIN is held out")
        parser.add_argument("--id-column", help="a column to ignore as an identifier")
        parser.add_argument("--seed", type=int, default=1, help="seed of the holdout split")
        parser.add_argument("--base-score", type=float, default=600)
        parser.add_argument("--base-odds", type=float, default=50)
        parser.add_argument("--pdo", type=float, default=20)
        parser.add_argument("--save", metavar="NAME", help="store the card as a draft version")
        parser.add_argument(
            "--kind", choices=CustomerKind.values, help="customer type the card is for"
        )
        parser.add_argument(
            "--as", dest="username", default="admin", help="the user a saved draft is made by"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object only")
        parser.add_argument(
            "--from-history",
            action="store_true",
            help="train on scored loans and their outcomes (bad = 90+ days past due)",
        )
        parser.add_argument("--as-of", help="YYYY-MM-DD: history as it stood on this date")
        parser.add_argument("--horizon-months", type=int, default=12)
        parser.add_argument(
            "--missing-values",
            metavar="TOKENS",
            help=(
                "comma-separated cell values that mean 'not known' besides the defaults "
                "(empty, NA, NaN, NULL, -, ?), e.g. none,无,N/A; without it they are categories"
            ),
        )
        parser.add_argument(
            "--trend",
            choices=TREND_CHOICES,
            default=AUTO,
            help=(
                "bad-rate trend numeric bins may follow: auto (ascending, descending, or a peak "
                "or valley when the data show one), monotone, or one trend"
            ),
        )

    def handle(self, *args, **options):
        try:
            report, kind = self._fit(options)
        except ModellingError as error:
            raise CommandError(str(error)) from None
        saved = self._save(options, report, kind) if options["save"] else None
        if options["json"]:
            data = report.as_json()
            if saved is not None:
                data["saved"] = {"id": saved.pk, "version": saved.version, "status": saved.status}
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        self.stdout.write(fitting.render_text(report))
        if saved is not None:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Saved as draft {saved} (id {saved.pk}); preview and publish it in "
                    "Django admin."
                )
            )

    def _fit(self, options):
        scaling = {
            "base_score": options["base_score"],
            "base_odds": options["base_odds"],
            "pdo": options["pdo"],
        }
        if any(value <= 0 for value in scaling.values()):
            raise CommandError("--base-score, --base-odds and --pdo must be positive.")
        kind = options["kind"]
        if options["from_history"]:
            if options["train"] or options["target"]:
                raise CommandError("--from-history takes no TRAIN file and no --target.")
            if not kind:
                raise CommandError("--from-history needs --kind (individual or enterprise).")
            as_of = self._as_of(options["as_of"])
            if not 1 <= options["horizon_months"] <= 60:
                raise CommandError("--horizon-months must be between 1 and 60.")
            table = outcomes.history_table(
                kind=kind, as_of=as_of, horizon_months=options["horizon_months"]
            )
            if not table.rows:
                raise CommandError(
                    f"No scored loan was disbursed {options['horizon_months']} months or more "
                    f"before {as_of}; choose a later --as-of or a shorter horizon."
                )
            target, bad_value = "bad", "1"
        else:
            if not options["train"] or not options["target"]:
                raise CommandError("Give the TRAIN file and --target (or use --from-history).")
            table = fitting.read_csv(options["train"])
            target, bad_value = options["target"], options["bad_value"]
        tokens = fitting.missing_tokens(options["missing_values"])
        prepared = fitting.prepare(table, target, bad_value, options["id_column"], tokens)
        bad_value = bad_value or "1"
        if options["holdout"]:
            kinds = {c.name: c.kind for c in prepared.columns}
            holdout, holdout_bad = fitting.holdout_columns(
                fitting.read_csv(options["holdout"]),
                target,
                bad_value,
                list(kinds),
                kinds,
                tokens,
            )
            train, source = prepared, options["holdout"]
        else:
            train, holdout, holdout_bad = fitting.split(prepared, options["seed"])
            source = f"30% of {table.source} held out (seed {options['seed']})"
        dimensions, labels, experts = self._published_factors(kind)
        report = fitting.fit_report(
            train,
            holdout,
            holdout_bad,
            scaling=scaling,
            holdout_source=source,
            dimensions=dimensions,
            labels=labels,
            trend=options["trend"],
        )
        for factor in report.result.definition["factors"]:
            if factor["key"] in experts:
                factor["expert"] = True
        return report, kind

    def _as_of(self, value) -> dt.date:
        if not value:
            return business_date()
        try:
            as_of = dt.date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--as-of {value!r} is not a date (YYYY-MM-DD).") from None
        if as_of > business_date():
            raise CommandError(f"--as-of {as_of} is after the business date {business_date()}.")
        return as_of

    def _published_factors(self, kind):
        """Dimension, label and expert flag of variables the card in force already knows."""
        if not kind:
            return {}, {}, set()
        version = ScorecardVersion.objects.filter(
            customer_kind=kind, status=ScorecardStatus.PUBLISHED
        ).first()
        factors = version.definition["factors"] if version else []
        return (
            {f["key"]: f["dimension"] for f in factors},
            {f["key"]: f.get("label", f["key"]) for f in factors},
            {f["key"] for f in factors if f.get("expert")},
        )

    def _save(self, options, report, kind):
        if not kind:
            raise CommandError("--save needs --kind: which customer type the card is for.")
        actor = User.objects.filter(username=options["username"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {options['username']!r} to save the draft as.")
        version = ScorecardVersion(
            name=options["save"][:100],
            customer_kind=kind,
            definition=report.result.definition,
            notes=(
                f"Fitted by scorecard_fit: training AUC {report.train['auc']}, holdout AUC "
                f"{report.holdout['auc']}, KS {report.holdout['ks']}, score PSI "
                f"{report.holdout['psi']} ({report.holdout['source']})."
            ),
        )
        try:
            return services.scorecard_draft_save(actor=actor, version=version)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
