"""The migrations build the schema the models describe, on SQLite and on PostgreSQL."""

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app import create_app, database_url
from extensions import db


@pytest.fixture
def empty_database(tmp_path):
    """A brand-new empty database on the engine the suite runs against."""
    if not os.environ.get("DATABASE_URL"):
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    server = make_url(database_url())
    name = f"linli_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_from_empty_matches_the_models(empty_database):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": empty_database,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            drift = compare_metadata(context, db.metadata)
        tables = set(inspect(db.engine).get_table_names())
        downgrade(revision="base")
        left = set(inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert drift == []
    assert {"user", "role_grant", "street", "community", "grid", "category"} <= tables
    assert left <= {"alembic_version"}


def test_phones_typed_in_full_width_digits_are_stored_in_ascii(empty_database):
    """A number typed on a Chinese keyboard was stored as typed; the migration rewrites it, and
    leaves an account alone whose number would then be another account's."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": empty_database,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    add_user = text(
        'INSERT INTO "user" (phone, name, password_hash, active, must_change_password, locale,'
        " created_at) VALUES (:phone, '', 'x', :yes, :no, 'zh_Hans', CURRENT_TIMESTAMP)"
    )
    typed = ["１３８００００１２３４", "13900005678", "１３９００００５６７８", "١٣٧٠٠٠٠٩٩٩٩"]
    with app.app_context():
        upgrade(revision="c3e5a7b9d1f2")
        with db.engine.begin() as conn:
            for phone in typed:
                conn.execute(add_user, {"phone": phone, "yes": True, "no": False})
        upgrade(revision="390176f35d46")
        with db.engine.connect() as conn:
            stored = conn.execute(text('SELECT phone FROM "user" ORDER BY id')).scalars().all()
        downgrade(revision="base")
        db.engine.dispose()
    assert stored == ["13800001234", "13900005678", "１３９００００５６７８", "13700009999"]
