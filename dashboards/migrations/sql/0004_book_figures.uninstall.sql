DROP TRIGGER IF EXISTS dashboards_figures_loan_insert ON credit_loan; DROP FUNCTION IF EXISTS dashboards_figures_loan_insert();
DROP TRIGGER IF EXISTS dashboards_figures_loan_delete ON credit_loan; DROP FUNCTION IF EXISTS dashboards_figures_loan_delete();
DROP TRIGGER IF EXISTS dashboards_figures_loan_update ON credit_loan; DROP FUNCTION IF EXISTS dashboards_figures_loan_update();
DROP TRIGGER IF EXISTS dashboards_figures_risk_insert ON risk_loanrisk; DROP FUNCTION IF EXISTS dashboards_figures_risk_insert();
DROP TRIGGER IF EXISTS dashboards_figures_risk_delete ON risk_loanrisk; DROP FUNCTION IF EXISTS dashboards_figures_risk_delete();
DROP TRIGGER IF EXISTS dashboards_figures_risk_update ON risk_loanrisk; DROP FUNCTION IF EXISTS dashboards_figures_risk_update();
DROP TRIGGER IF EXISTS dashboards_figures_customer_update ON customers_customer; DROP FUNCTION IF EXISTS dashboards_figures_customer_update();
