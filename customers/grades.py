"""The master scale of credit grades, best first. Pure Python: no Django.

The customer record carries its latest grade (customers.Customer.grade), the scorecards
assign grades from it (credit.scoring), pricing and the risk level read it, and the nightly
compares grades by their place on it in SQL (risk.rules.GRADES). It lives on the customers
floor, the lowest that needs it: a lower floor never imports a higher one.
"""

GRADES = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C")
