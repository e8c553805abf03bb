DROP TRIGGER IF EXISTS risk_pending_relation_insert ON customers_customerrelation; DROP FUNCTION IF EXISTS risk_pending_relation_insert();
DROP TRIGGER IF EXISTS risk_pending_relation_update ON customers_customerrelation; DROP FUNCTION IF EXISTS risk_pending_relation_update();
DROP TRIGGER IF EXISTS risk_pending_relation_delete ON customers_customerrelation; DROP FUNCTION IF EXISTS risk_pending_relation_delete();
