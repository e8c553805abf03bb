DROP TRIGGER IF EXISTS risk_pending_bureau_report_insert ON credit_bureaureport; DROP FUNCTION IF EXISTS risk_pending_bureau_report_insert();
DROP TRIGGER IF EXISTS risk_pending_bureau_report_update ON credit_bureaureport; DROP FUNCTION IF EXISTS risk_pending_bureau_report_update();
DROP TRIGGER IF EXISTS risk_pending_bureau_report_delete ON credit_bureaureport; DROP FUNCTION IF EXISTS risk_pending_bureau_report_delete();
