"""Manager reports: shifts are in :mod:`storeapp.services.shifts`; here the daily and date-range
report, stored-value liability, member insight (RFM, churn, birthdays, near next tier), and
exports to CSV and PDF. Reports only read; exporting one is written to the audit log."""
