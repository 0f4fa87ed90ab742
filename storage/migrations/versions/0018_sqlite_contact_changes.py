"""contact changes on SQLite: the same columns as 0017's triggers, written by triggers into a log
table (`contact_changes`: a sequence and the contact's id) that each process reads before it serves
a contact from memory, to forget what changed (storage/contact_cache.py `ChangeLog`). SQLite has no
notifications, and the outbox worker, a CLI or a second process can write the same file.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 19:35:00
"""
from alembic import op


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

_WATCHED = ("channel", "channel_user_id", "subscribed", "subscription_kecamatan", "blocked",
            "open_ticket_id", "rate_ticket_id")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _WATCHED)
    op.execute("CREATE TABLE contact_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, contact_id INTEGER NOT NULL)")
    op.execute(f"CREATE TRIGGER contact_changed_update AFTER UPDATE ON contacts FOR EACH ROW WHEN {changed} "
               f"BEGIN INSERT INTO contact_changes (contact_id) VALUES (OLD.id); END")
    op.execute("CREATE TRIGGER contact_changed_delete AFTER DELETE ON contacts FOR EACH ROW "
               "BEGIN INSERT INTO contact_changes (contact_id) VALUES (OLD.id); END")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER contact_changed_update")
    op.execute("DROP TRIGGER contact_changed_delete")
    op.execute("DROP TABLE contact_changes")
