DROP TRIGGER IF EXISTS risk_pending_group_exposure_insert ON lending_groupexposure; DROP FUNCTION IF EXISTS risk_pending_group_exposure_insert();
DROP TRIGGER IF EXISTS risk_pending_group_exposure_update ON lending_groupexposure; DROP FUNCTION IF EXISTS risk_pending_group_exposure_update();
