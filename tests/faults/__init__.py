"""Faults with real processes (issue 8): each test breaks something a production machine can lose,
under a running `python -m bot serve`, and ends with nothing lost and the service answering again.

- test_redis_down.py: Redis killed mid-conversation and started again.
- test_postgres_restart.py: PostgreSQL crashes and comes back; an acknowledged report is kept.
- test_server_killed.py: the server killed in the middle of a turn; Telegram's redelivery.
- test_disk_full.py: the attachment disk full while citizens send their documents.
- A worker killed in the middle of a broadcast: tests/bot/test_worker_process.py (SIGTERM and
  SIGKILL of real `python -m bot worker` processes). It stays there: it runs on the suite's own
  PostgreSQL and Redis, and its half minute would double the time of this folder.

The private Redis and PostgreSQL, the server, the tmpfs and the citizens are in conftest.py."""
