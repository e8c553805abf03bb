DROP TRIGGER IF EXISTS risk_pending_inspection_insert ON lending_inspection; DROP FUNCTION IF EXISTS risk_pending_inspection_insert();
DROP TRIGGER IF EXISTS risk_pending_inspection_update ON lending_inspection; DROP FUNCTION IF EXISTS risk_pending_inspection_update();
