from tests.credit.conftest import consumer_product, graded_customer  # noqa: F401
from tests.risk.conftest import business_day, risky_loan, second_customer  # noqa: F401
