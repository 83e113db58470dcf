"""Services: plain functions over a :class:`storeapp.db.Database`, one user action each.

They take plain values, return plain results (dataclasses or dicts), raise
:class:`storeapp.errors.DomainError` with a message a cashier can read, and own their transaction.
"""
