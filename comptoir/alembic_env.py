"""What both Alembic environments (shop and desk) do: migrate one database in place.

Each database keeps its own version table, so the shop's and the desk's migrations can
live in the same PostgreSQL database without seeing each other's history.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData, create_engine


def run_migrations(metadata: MetaData, version_table: str) -> None:
    """Run the pending migrations on the URL the Alembic config names."""
    url = context.config.get_main_option("sqlalchemy.url")
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table=version_table,
            render_as_batch=url.startswith("sqlite"),
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
