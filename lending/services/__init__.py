"""Writes of the lending business, one module per group: products and pricing, the
application pipeline with maker-checker and disbursement, collateral and guarantors,
repayments, loans imported from the core banking system, and the four-eyes proposals that
restructure a loan or reverse a payment. Callers use the package: `services.repayment_post`."""

from lending.services.applications import (
    DISBURSE_REFUSAL,
    MAKER_REFUSALS,
    application_approve,
    application_create,
    application_disburse,
    application_reject,
    application_start_review,
    application_submit,
    application_update,
    application_withdraw,
)
from lending.services.approvals import (
    EARLIER_STEP_REFUSAL,
    application_committee_vote,
    application_recommend,
)
from lending.services.collateral import (
    collateral_add,
    collateral_revalue,
    guarantor_add,
    loan_to_value,
)
from lending.services.loans import loan_import
from lending.services.permissions import FourEyesRefused
from lending.services.pricing import (
    MAX_ANNUAL_RATE,
    offer_for,
    pricing_for,
    product_rate_range,
)
from lending.services.proposals import (
    PROPOSER_REFUSAL,
    loan_change_reject,
    loan_change_withdraw,
    repayment_reversal_approve,
    repayment_reversal_propose,
    restructuring_approve,
    restructuring_propose,
)
from lending.services.repayments import loan_amount_due, repayment_post
from lending.services.write_offs import (
    write_off_approve,
    write_off_propose,
    write_off_recovery_record,
    write_off_reject,
    write_off_reversal_approve,
    write_off_reversal_propose,
    write_off_reversal_reject,
    write_off_reversal_withdraw,
    write_off_withdraw,
)

__all__ = [
    "DISBURSE_REFUSAL",
    "EARLIER_STEP_REFUSAL",
    "MAKER_REFUSALS",
    "MAX_ANNUAL_RATE",
    "PROPOSER_REFUSAL",
    "FourEyesRefused",
    "application_approve",
    "application_committee_vote",
    "application_create",
    "application_disburse",
    "application_recommend",
    "application_reject",
    "application_start_review",
    "application_submit",
    "application_update",
    "application_withdraw",
    "collateral_add",
    "collateral_revalue",
    "guarantor_add",
    "loan_amount_due",
    "loan_change_reject",
    "loan_change_withdraw",
    "loan_import",
    "loan_to_value",
    "offer_for",
    "pricing_for",
    "product_rate_range",
    "repayment_post",
    "repayment_reversal_approve",
    "repayment_reversal_propose",
    "restructuring_approve",
    "restructuring_propose",
    "write_off_approve",
    "write_off_propose",
    "write_off_recovery_record",
    "write_off_reject",
    "write_off_reversal_approve",
    "write_off_reversal_propose",
    "write_off_reversal_reject",
    "write_off_reversal_withdraw",
    "write_off_withdraw",
]
