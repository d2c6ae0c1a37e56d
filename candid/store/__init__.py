"""Storage: SQLAlchemy models and Alembic migrations, SQLite by default, PostgreSQL by URL.

Nothing about a person's answers is ever stored here; see docs/architecture.md, "Privacy".
"""
