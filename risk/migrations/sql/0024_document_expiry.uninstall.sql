DROP TRIGGER IF EXISTS risk_pending_document_insert ON customers_document; DROP FUNCTION IF EXISTS risk_pending_document_insert();
DROP TRIGGER IF EXISTS risk_pending_document_update ON customers_document; DROP FUNCTION IF EXISTS risk_pending_document_update();
DROP TRIGGER IF EXISTS risk_pending_document_delete ON customers_document; DROP FUNCTION IF EXISTS risk_pending_document_delete();
