UPDATE risk_loanprovision p
SET customer_officer_id = l.customer_officer_id, customer_branch_id = l.customer_branch_id,
    loan_active = l.status = 'active'
FROM credit_loan l WHERE l.id = p.loan_id;
UPDATE risk_facilityprovision p
SET customer_officer_id = c.officer_id, customer_branch_id = c.branch_id
FROM customers_customer c WHERE c.id = p.customer_id;
