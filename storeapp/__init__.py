"""storeapp core: members, stored value, points, tiers, coupons, sales, audit and outbox.

Importing this package never imports Qt, devices or sync; it runs from a plain shell and the CLI.
"""

__version__ = "0.1.0"
