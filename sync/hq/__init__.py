"""The head-office server: stores, chain-wide members, events from every till, reconciliation."""
