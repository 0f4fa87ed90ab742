"""contact changes: NOTIFY contact_changed with the contact's id when a column a turn relies on
changes or the row goes ('*' on TRUNCATE), so every process can forget what it remembered
(storage/contact_cache.py). PostgreSQL only; SQLite gets a change log table in 0018.

The inbound time, name and phone are left out: every turn's touch writes them, and the channel
reports the name and phone on every message.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 15:20:00
"""
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

_WATCHED = ("channel", "channel_user_id", "subscribed", "subscription_kecamatan", "blocked",
            "open_ticket_id", "rate_ticket_id")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in _WATCHED)
    op.execute("""
CREATE FUNCTION contact_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM pg_notify('contact_changed', '*');
  ELSE
    PERFORM pg_notify('contact_changed', OLD.id::text);
  END IF;
  RETURN NULL;
END $$""")
    op.execute(f"CREATE TRIGGER contact_changed_update AFTER UPDATE ON contacts FOR EACH ROW "
               f"WHEN ({changed}) EXECUTE FUNCTION contact_changed()")
    op.execute("CREATE TRIGGER contact_changed_delete AFTER DELETE ON contacts FOR EACH ROW "
               "EXECUTE FUNCTION contact_changed()")
    op.execute("CREATE TRIGGER contact_changed_truncate AFTER TRUNCATE ON contacts FOR EACH STATEMENT "
               "EXECUTE FUNCTION contact_changed()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for trigger in ("contact_changed_update", "contact_changed_delete", "contact_changed_truncate"):
        op.execute(f"DROP TRIGGER {trigger} ON contacts")
    op.execute("DROP FUNCTION contact_changed()")
