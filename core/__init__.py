"""The ground floor every app may use, and which imports none of them: the safe CSV/XLSX
reader (tabular), streamed exports, field encryption, trigger helpers, shared form helpers,
date ranges and the business date."""
