"""The migrations build the schema the models describe, on SQLite and on PostgreSQL."""

import os
import uuid
from datetime import datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, Table, create_engine, inspect, text
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


def test_an_activitys_room_is_the_room_of_its_booking(empty_database):
    """Activity.room_id goes: the activity's booking says which room it is held in. The downgrade
    writes room_id again from the first booking; a room no booking names is not kept."""
    from blueprints.rooms.lists import room_of_activity
    from blueprints.volunteers.models import Activity

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": empty_database,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    now = datetime(2026, 12, 8, 1)
    later = now + timedelta(days=30)
    stamps = {"created_at": now}
    rows = [
        ("street", {"id": 1, "code": "S9", "name": "街道", "active": True}),
        ("community", {"id": 1, "code": "C9", "name": "社区", "street_id": 1, "active": True}),
        (
            "user",
            {
                "id": 1,
                "phone": "13900000009",
                "name": "",
                "password_hash": "x",
                "active": True,
                "must_change_password": False,
                "locale": "zh_Hans",
                **stamps,
            },
        ),
        *(
            (
                "room",
                {
                    "id": n,
                    "community_id": 1,
                    "name": f"屋{n}",
                    "capacity": 10,
                    "facilities": "",
                    "needs_approval": False,
                    "closed_on_holidays": False,
                    "active": True,
                    "lock": 0,
                    **stamps,
                },
            )
            for n in (1, 2)
        ),
        # 1 was booked (room 1), 2 names room 2 with no booking of it, 3 has no room.
        *(
            (
                "activity",
                {
                    "id": n,
                    "title": f"活动{n}",
                    "description": "",
                    "place": "",
                    "community_id": 1,
                    "room_id": room,
                    "contact_name": "",
                    "contact_phone": "",
                    "signup_deadline": later,
                    "cancel_hours": 24,
                    "risky": False,
                    "insured": False,
                    **stamps,
                },
            )
            for n, room in ((1, 1), (2, 2), (3, None))
        ),
        *(
            (
                "booking",
                {
                    "id": n,
                    "room_id": room,
                    "activity_id": 1,
                    "booked_by_id": 1,
                    "purpose": "",
                    "head_count": 5,
                    "starts_at": later + timedelta(days=n),
                    "ends_at": later + timedelta(days=n, hours=2),
                    "state": "approved",
                    "reason": "",
                    "reminded_for": "",
                    "overdue_for": "",
                    "version": 1,
                    **stamps,
                },
            )
            for n, room in ((1, 1), (2, 2))
        ),
    ]
    with app.app_context():
        upgrade(revision="390176f35d46")
        with db.engine.begin() as conn:
            for name, values in rows:
                table = Table(name, MetaData(), autoload_with=conn)
                conn.execute(table.insert().values(**values))
        upgrade(revision="a7c9e1f3b5d2")
        columns = {c["name"] for c in inspect(db.engine).get_columns("activity")}
        rooms = [room_of_activity(db.session.get(Activity, n)) for n in (1, 2, 3)]
        shown = [room.id if room else None for room in rooms]
        db.session.remove()
        downgrade(revision="390176f35d46")
        with db.engine.connect() as conn:
            kept = conn.execute(text("SELECT room_id FROM activity ORDER BY id")).scalars().all()
        downgrade(revision="base")
        db.engine.dispose()
    assert "room_id" not in columns
    assert shown == [1, None, None]
    assert kept == [1, None, None]
