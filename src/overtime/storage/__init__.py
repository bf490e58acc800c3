"""Persistence: the SQL store (SQLite or PostgreSQL through SQLAlchemy Core) and its migrations."""
