"""Development tooling, kept out of the shipped packages (STYLE 19): the benchmarks
(``storeapp bench``, ``storeapp bench --reports``, ``storeapp-hq bench``, the start-up time) and
the bulk demo history (``storeapp demo --ledger-rows``).

This package is not installed with the app (pyproject.toml finds only storeapp, ui, devices and
sync). The commands above load it from the source checkout the app runs from
(:func:`storeapp.tooling.load`); an installed app without the checkout says so instead.
"""
