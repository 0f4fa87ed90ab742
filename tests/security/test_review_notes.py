"""The Notes of the December security review that ask for a change:

- the generated secret key file is created with mode 0600 from its first byte (`os.open` with
  O_CREAT|O_EXCL), never with the umask's mode for a moment, and several processes starting at
  once all end up with the one key;
- the staff API's approve takes the `version` of the text the approver read (as the admin page
  sends `versi`) and answers 409 when the text changed since, even between the read and the write."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from bot.config import Settings
from services.announcements import Changed, content_version


def test_the_secret_key_file_is_never_readable_by_others(tmp_path, monkeypatch):
    monkeypatch.setattr(Path, "chmod", lambda *a, **k: None)  # no fixing the mode afterwards
    old = os.umask(0)
    try:
        key = Settings(_env_file=None, data_dir=tmp_path).ensure_secret_key()
    finally:
        os.umask(old)
    assert len(key) >= 32 and (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_processes_starting_at_once_share_one_key(tmp_path):
    keys, barrier = [], threading.Barrier(8)

    def start() -> None:
        settings = Settings(_env_file=None, data_dir=tmp_path)
        barrier.wait()
        keys.append(settings.ensure_secret_key())

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert (tmp_path / "secret_key").read_text().strip() == keys[0]


def test_an_existing_key_file_is_read_not_replaced(tmp_path):
    (tmp_path / "secret_key").write_text("k" * 40 + "\n")
    assert Settings(_env_file=None, data_dir=tmp_path).ensure_secret_key() == "k" * 40


async def test_approving_through_the_api_checks_the_version_read(world):
    rt, c = world.app.state.runtime, world.client
    announcement = world.params["announcement_id"]
    read = (await c.get(f"/api/v1/announcements/{announcement}", headers=world.bearer("admin"))).json()
    assert read["version"] == content_version(await rt.broadcasts.get(int(announcement)))
    await rt.broadcasts.edit(announcement_id=int(announcement), staff=world.staff["humas"], title="Posyandu",
                             body="Posyandu hari Minggu, bukan Sabtu.", link=None, kecamatan=None)
    r = await c.post(f"/api/v1/announcements/{announcement}/approve", json={"version": read["version"]},
                     headers=world.bearer("admin"))
    assert r.status_code == 409 and "diubah" in r.json()["detail"]
    assert (await rt.broadcasts.get(int(announcement))).approved_by is None
    fresh = (await c.get(f"/api/v1/announcements/{announcement}", headers=world.bearer("admin"))).json()["version"]
    r = await c.post(f"/api/v1/announcements/{announcement}/approve", json={"version": fresh},
                     headers=world.bearer("admin"))
    assert r.status_code == 200 and r.json()["approved_by"] == world.staff["admin"].id


async def test_approving_without_a_version_still_works(world):
    announcement = world.params["announcement_id"]
    r = await world.client.post(f"/api/v1/announcements/{announcement}/approve", headers=world.bearer("admin"))
    assert r.status_code == 200 and r.json()["approved_by"] == world.staff["admin"].id


async def test_an_edit_between_the_check_and_the_write_is_caught(world, monkeypatch):
    rt = world.app.state.runtime
    announcement = int(world.params["announcement_id"])
    version = content_version(await rt.broadcasts.get(announcement))
    repo, update = rt.broadcasts._repo, rt.broadcasts._repo.update

    async def edited_first(announcement_id, **kw):  # the author saves a new text just before the approval lands
        if "approved_by" in kw:
            await update(announcement_id, when_state=("draft",), body="Teks yang baru diubah.")
        return await update(announcement_id, **kw)

    monkeypatch.setattr(repo, "update", edited_first)
    with pytest.raises(Changed):
        await rt.broadcasts.approve(announcement_id=announcement, staff=world.staff["admin"], version=version)
    assert (await rt.broadcasts.get(announcement)).approved_by is None
