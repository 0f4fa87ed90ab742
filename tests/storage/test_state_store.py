"""One contract for every state store backend (STYLE rule 14): SQLite, PostgreSQL, Redis."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from storage.db import make_engine, make_sessionmaker
from storage.models import ProcessedMessage, utcnow
from storage.state import LockBusy, SqlStateStore, state_key
from storage.state_redis import RedisStateStore

BACKENDS = ["sqlite", "postgresql", "redis"]


async def _make(backend: str, request, ttl: timedelta, lock_wait: float = 5.0):
    if backend == "redis":
        url = request.getfixturevalue("redis_url")
        return RedisStateStore(redis=Redis.from_url(url), ttl=ttl, lock_wait=lock_wait), None
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url")
    engine = make_engine(url)
    return SqlStateStore(engine=engine, sessions=make_sessionmaker(engine), ttl=ttl, lock_wait=lock_wait), engine


@pytest.fixture(params=BACKENDS)
async def make_store(request):
    made = []

    async def factory(ttl=timedelta(minutes=30), lock_wait=5.0):
        store, engine = await _make(request.param, request, ttl, lock_wait)
        made.append((store, engine))
        return store

    yield factory
    for store, engine in made:
        await store.close()
        if engine is not None:
            await engine.dispose()


async def test_save_and_load_round_trip(make_store):
    store = await make_store()
    key = state_key(1)
    assert await store.load(key) is None
    assert await store.save(key, {"flow": "langganan", "step": "scope", "answers": {"x": "é"}}, expected_version=0)
    loaded = await store.load(key)
    assert loaded == {"flow": "langganan", "step": "scope", "answers": {"x": "é"}, "version": 1}


async def test_compare_and_set_refuses_a_stale_version(make_store):
    store = await make_store()
    key = state_key(2)
    assert await store.save(key, {"step": "a"}, expected_version=0)
    assert await store.save(key, {"step": "b"}, expected_version=1)
    assert not await store.save(key, {"step": "stale"}, expected_version=1)
    assert not await store.save(key, {"step": "new"}, expected_version=0)
    assert (await store.load(key))["step"] == "b"


async def test_idle_state_expires(make_store):
    store = await make_store(ttl=timedelta(seconds=2))  # long enough for a loaded CI machine to read it back
    key = state_key(3)
    assert await store.save(key, {"step": "a"}, expected_version=0)
    assert await store.load(key) is not None
    await asyncio.sleep(2.5)
    assert await store.load(key) is None
    # an expired conversation starts over from version 0
    assert await store.save(key, {"step": "again"}, expected_version=0)


async def test_delete(make_store):
    store = await make_store()
    key = state_key(4)
    await store.save(key, {"step": "a"}, expected_version=0)
    await store.delete(key)
    assert await store.load(key) is None


async def test_lock_serialises_turns_of_one_contact(make_store):
    """Twenty concurrent read-modify-write turns on one contact lose no update."""
    store = await make_store()
    key = state_key(5)

    async def turn():
        async with store.lock(key):
            state = await store.load(key)
            n = state["n"] if state else 0
            await asyncio.sleep(0.005)
            assert await store.save(key, {"n": n + 1}, expected_version=state["version"] if state else 0)

    await asyncio.gather(*(turn() for _ in range(20)))
    assert (await store.load(key))["n"] == 20


async def test_locks_of_different_contacts_do_not_block_each_other(make_store):
    store = await make_store(lock_wait=0.3)
    async with store.lock(state_key(6)):
        async with store.lock(state_key(7)):
            pass


async def test_busy_lock_gives_up_after_its_wait(make_store):
    store = await make_store(lock_wait=0.2)
    # Redis and PostgreSQL locks hold across processes, so a second store stands for another
    # process; the SQLite store's locks are in-process (the embedded default runs one process).
    in_process = isinstance(store, SqlStateStore) and not store._postgres
    other = store if in_process else await make_store(lock_wait=0.2)
    key = state_key(8)
    async with store.lock(key):
        with pytest.raises(LockBusy):
            async with other.lock(key):
                pass


async def test_a_dedupe_mark_is_written_with_the_state_its_turn_saved(make_store):
    """A turn marks its message seen in the same write as its state: a refused save marks
    nothing, so a process that dies before saving leaves the message to be handled again."""
    store = await make_store()
    key = state_key(10)
    assert not await store.seen("telegram:1001")
    assert not await store.save(key, {"step": "a"}, expected_version=3, seen="telegram:1001")
    assert not await store.seen("telegram:1001")
    assert await store.save(key, {"step": "a"}, expected_version=0, seen="telegram:1001")
    assert await store.save(key, {"step": "b"}, expected_version=1, seen="telegram:1002")
    assert await store.seen("telegram:1001") and await store.seen("telegram:1002")
    await store.mark_seen("telegram:1003")  # a turn that saved no state
    assert await store.seen("telegram:1003") and not await store.seen("telegram:1004")
    # what a turn reads under the lock: a redelivery is told apart before the state is read
    assert await store.load_unless_seen(key, "telegram:1002") == (True, None)
    fresh, state = await store.load_unless_seen(key, "telegram:1004")
    assert not fresh and state["step"] == "b" and state["version"] == 2
    assert await store.load_unless_seen(state_key(99), None) == (False, None)


async def test_an_expired_dedupe_mark_is_renewed(make_store):
    store = await make_store()
    if isinstance(store, SqlStateStore):  # Redis drops expired keys itself; the SQL rows wait for the purge
        async with store._sessions() as s, s.begin():
            s.add(ProcessedMessage(platform_id="telegram:2001", expires_at=utcnow() - timedelta(seconds=1)))
    assert not await store.seen("telegram:2001")
    assert await store.save(state_key(11), {"step": "a"}, expected_version=0, seen="telegram:2001")
    assert await store.seen("telegram:2001")


async def test_state_survives_a_new_store_instance(make_store):
    """What a server restart looks like to the store: a new connection, the same data."""
    first = await make_store()
    await first.save(state_key(9), {"flow": "langganan", "step": "kecamatan"}, expected_version=0)
    second = await make_store()
    assert (await second.load(state_key(9)))["step"] == "kecamatan"


async def test_a_turn_reads_under_the_lock_and_ends_with_one_write(make_store):
    """`turn`: the lock, the dedupe check and the state; `save` marks the message seen with the state,
    `finish` marks a turn that saved nothing, and deletes the state when asked."""
    store = await make_store()
    key = state_key(12)
    async with store.turn(key, "telegram:3001") as held:
        assert not held.duplicate and held.state is None
        assert await held.save({"step": "a"}, expected_version=0, last=True)
    async with store.turn(key, "telegram:3001") as held:  # the provider redelivers it
        assert held.duplicate
    async with store.turn(key, "telegram:3002") as held:
        assert not held.duplicate and held.state == {"step": "a", "version": 1}
        assert not await held.save({"step": "stale"}, expected_version=0)  # the compare-and-set holds
    assert not await store.seen("telegram:3002")  # a refused save marks nothing
    async with store.turn(key, "telegram:3002") as held:
        await held.finish(delete=True, last=True)
    assert await store.seen("telegram:3002") and await store.load(key) is None
    async with store.turn(key, None) as held:  # a message without a platform id: nothing to mark
        await held.finish()
    async with store.turn(key, "telegram:3003") as held:
        assert held.state is None


async def test_turns_of_one_contact_lose_no_update(make_store):
    store = await make_store()
    key = state_key(13)

    async def one(i: int) -> None:
        async with store.turn(key, f"telegram:40{i:02d}") as held:
            n = held.state["n"] if held.state else 0
            await asyncio.sleep(0.002)
            assert await held.save({"n": n + 1}, expected_version=held.state["version"] if held.state else 0,
                                   last=i % 2 == 0)

    await asyncio.gather(*(one(i) for i in range(20)))
    assert (await store.load(key))["n"] == 20


async def test_a_busy_contact_gives_up_after_the_wait(make_store):
    store = await make_store(lock_wait=0.2)
    in_process = isinstance(store, SqlStateStore) and not store._postgres
    other = store if in_process else await make_store(lock_wait=0.2)
    async with store.turn(state_key(14), "telegram:5001"):
        with pytest.raises(LockBusy):
            async with other.turn(state_key(14), "telegram:5002"):
                pass
    async with other.turn(state_key(14), "telegram:5002") as held:  # free again after the turn
        assert not held.duplicate


async def test_redis_frees_the_contact_with_the_turns_last_write(redis_url):
    """On Redis the write that ends a turn also releases the lock (one round trip less), so another
    process's turn for the contact goes on while this one only leaves its block; a turn whose lock
    expired while held does not release the lock another turn holds now."""
    first = RedisStateStore(redis=Redis.from_url(redis_url), ttl=timedelta(minutes=5), lock_wait=0.2,
                            lock_expiry=0.3)
    second = RedisStateStore(redis=Redis.from_url(redis_url), ttl=timedelta(minutes=5), lock_wait=0.2)
    key = state_key(15)
    try:
        async with first.turn(key, "telegram:6001") as held:
            assert await held.save({"step": "a"}, expected_version=0, last=True)
            async with second.turn(key, "telegram:6002") as other:
                assert other.state == {"step": "a", "version": 1}
        expired = first.turn(key, "telegram:6003")
        await expired.__aenter__()
        await asyncio.sleep(0.4)  # past the lock's expiry: the contact is free for the next turn
        taken = second.turn(key, "telegram:6004")
        await taken.__aenter__()
        await expired.__aexit__(None, None, None)  # the first turn ends late...
        with pytest.raises(LockBusy):  # ...and leaves the second turn's lock alone
            async with first.turn(key, "telegram:6005"):
                pass
        await taken.__aexit__(None, None, None)
        async with first.turn(key, "telegram:6005"):
            pass
    finally:
        await first.close()
        await second.close()
