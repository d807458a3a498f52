"""phones: one spelling. Numbers typed with full-width or other Unicode digits become ASCII

Until now a phone typed on a Chinese keyboard (１３８…) passed the check and was stored as typed:
a second account for a number that already had one, and a number nobody could sign in with in
plain digits. Every phone column is rewritten the way blueprints/util/phones.py now reads a typed
number (NFKC, each decimal digit as ASCII, no spaces, dashes or brackets). Only rows holding a
character outside ASCII are read: every other row was stored normalised already.

An account whose number, once normalised, is another account's is left as it is and named (by
its id) in the log: two accounts for one number cannot be merged by a migration. The plain one
is the one that signs in; an administrator decides about the other.

The old spellings are not kept, so the downgrade changes nothing.

Revision ID: 390176f35d46
Revises: d4f6a8c0e2b3
Create Date: 2026-12-07 12:20:00.000000

"""
import logging
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '390176f35d46'
down_revision = "d4f6a8c0e2b3"
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')

COLUMNS = [
    ('user', 'phone'),
    ('reset_code', 'phone'),
    ('outbox', 'phone'),
    ('report', 'reporter_phone'),
    ('filing', 'leader_phone'),
    ('filing_person', 'phone'),
    ('org', 'leader_phone'),
    ('org_member', 'phone'),
    ('volunteer_profile', 'guardian_phone'),
    ('activity', 'contact_phone'),
]
PREFIXES = ('+86', '0086', '86')


def ascii_phone(value):
    """blueprints/phones.normalize_phone as of this revision (a migration keeps its own copy)."""
    digits = ''.join(
        str(unicodedata.decimal(c)) if c.isdecimal() else c
        for c in unicodedata.normalize('NFKC', value)
        if not (c.isspace() or c in '()' or unicodedata.category(c) == 'Pd')
    )
    for prefix in PREFIXES:
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix):]
    return digits


def upgrade():
    bind = op.get_bind()
    for table_name, column_name in COLUMNS:
        table = sa.table(table_name, sa.column('id', sa.Integer), sa.column(column_name, sa.String))
        column = table.c[column_name]
        if bind.dialect.name == 'postgresql':
            unusual = sa.func.octet_length(column) != sa.func.char_length(column)
        else:
            unusual = sa.func.length(sa.cast(column, sa.LargeBinary)) != sa.func.length(column)
        rows = bind.execute(sa.select(table.c.id, column).where(unusual)).all()
        for row_id, phone in rows:
            fixed = ascii_phone(phone)
            if table_name == 'user' and bind.scalar(
                sa.select(table.c.id).where(column == fixed, table.c.id != row_id)
            ):
                log.warning('user %s: its number, normalised, is another account\'s; left as it is', row_id)
                continue
            bind.execute(table.update().where(table.c.id == row_id).values({column_name: fixed}))


def downgrade():
    pass
