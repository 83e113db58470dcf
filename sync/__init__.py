"""Head-office sync: the till's client (upload, download, spend holds) and the head-office server.

``sync.hq`` is the server (FastAPI over SQLAlchemy, SQLite or PostgreSQL); ``sync.client`` and
``sync.apply`` run on the till. Neither imports the UI or the devices.
"""
