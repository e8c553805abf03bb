DROP TRIGGER IF EXISTS lending_credit_loan_keeps_its_customer ON credit_loan; DROP FUNCTION IF EXISTS lending_credit_loan_keeps_its_customer();
