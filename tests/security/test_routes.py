"""Every staff route refuses whoever may not use it.

The routes are listed from the app itself (`staff_routes` in tests/security/world.py: every
/api/v1 route but the sign-in, every /admin page but the login form), so a route added later is
checked without touching this file. Who may use a route is read from its dependencies
(`require_roles` leaves its roles on the dependency it returns) and held against ROLES_BY_PREFIX,
which fails for a route under a prefix it does not know. Path parameters are filled with real ids
(`World.params`); a new parameter fails until it gets a value there.

For each route and method:
- without a token or session: the API answers 401 with `WWW-Authenticate: Bearer`, a page
  redirects to the login;
- with an expired token (or a session cookie holding one): the same;
- for every role it does not admit: 403, the role's refusal (on a page, even with a valid CSRF
  token, so it is not the CSRF check refusing);
- outside the area: a report of another kecamatan or desa is 403 or 404 to that area's camat and
  kades; a kecamatan filter outside one's own area is 403;
- and so that none of this passes by accident (a wrong id answering 404, say), a GET by a role the
  route admits, inside its area, answers 200.

Checked elsewhere and not repeated here: forged webhooks get 403 and change nothing
(tests/handlers/test_telegram.py::test_forged_or_missing_secret_is_refused_and_nothing_is_sent,
tests/handlers/test_whatsapp.py::test_forged_missing_or_internally_signed_requests_are_refused,
and its status callback in test_status_callbacks_never_move_a_status_backwards); forged or altered
tokens and disabled accounts (tests/bot/test_api_auth.py); forged session cookies, the 12-hour
session and CSRF on every form (tests/bot/test_admin.py); ended sessions (tests/security/test_sessions.py);
the login throttle on each sign-in (tests/security/test_login.py,
tests/bot/test_api_auth.py::test_repeated_failures_get_429_with_retry_after,
tests/bot/test_admin.py::test_repeated_failures_hold_that_source_back_with_a_kind_message,
tests/services/test_staff.py); coverage lookups per contact
(tests/services/test_coverage.py::test_lookups_are_limited_per_contact,
tests/conversations/test_coverage_flow.py::test_past_the_limit_a_kind_refusal_says_when_to_try_again)."""
from __future__ import annotations

import re

import httpx

from services.staff import ROLES
from tests.security.world import KAG, MEMBERS, OWNER, PASSWORD, PDM, PNG, Route, World, fill, staff_routes

EVERYONE = frozenset(ROLES)
CASEWORK = frozenset({"admin", "dinsos", "camat", "kades"})
IMPORTERS = frozenset({"admin", "dinsos"})
HUMAS = frozenset({"admin", "humas"})
FAQ_EDITORS = frozenset({"admin", "dinsos", "humas"})
# Who may use each part of the staff surface; the longest prefix matching a route applies, and a
# "METHOD /prefix" line before the plain one for that method.
ROLES_BY_PREFIX = {
    "/api/v1/auth": EVERYONE,
    "/api/v1/registry": CASEWORK,
    "/api/v1/registry/imports": IMPORTERS,
    "/api/v1/reports": CASEWORK,
    "/api/v1/announcements": HUMAS,
    "/api/v1/contacts": frozenset({"admin"}),  # a citizen's data rights, on a request outside the chat
    "/api/v1/helpdesk": EVERYONE,  # area rules inside: test_a_ticket_of_another_area_is_out_of_reach
    "/admin": EVERYONE,  # the dashboard, logging out
    "/admin/akun": EVERYONE,  # linking one's own chat
    "/admin/staf": frozenset({"admin"}),
    "/admin/laporan": CASEWORK,
    "/admin/pembayaran": CASEWORK,  # the list and its export; marking paid: admin and dinsos (IMPORTERS)
    "/admin/pembayaran/cairkan": IMPORTERS,
    "/admin/audit": frozenset({"admin"}),
    "/admin/registri": CASEWORK,
    "/admin/registri/impor": IMPORTERS,
    "/admin/registri/riwayat": IMPORTERS,
    "/admin/registri/templat.csv": IMPORTERS,
    "/admin/registri/templat.xlsx": IMPORTERS,
    "/admin/pengumuman": HUMAS,
    "/admin/bantuan": EVERYONE,
    "/admin/bantuan/balasan": IMPORTERS,  # canned replies: kept by admin and dinsos
    "/api/v1/faq": EVERYONE,  # the knowledge base is read by all staff...
    # ...and kept by these
    "POST /api/v1/faq": FAQ_EDITORS, "PUT /api/v1/faq": FAQ_EDITORS, "DELETE /api/v1/faq": FAQ_EDITORS,
    "/admin/tanya-jawab": EVERYONE,
    "/admin/tanya-jawab/ubah": FAQ_EDITORS,
}
# pages that read a kecamatan filter from the query string themselves rather than declaring it
FILTERED_PAGES = {"/admin/laporan", "/admin/laporan/ekspor.{fmt}"}
ROLE_REFUSED = {"api": "Peran Anda tidak diizinkan untuk ini", "admin": "Peran Anda tidak diizinkan"}
TRANSITION = {"to": "diverifikasi_desa", "note": "periksa", "override_reason": "diperiksa di kantor desa"}


def _prefix(path: str) -> str | None:
    matching = [p for p in ROLES_BY_PREFIX if " " not in p and (path == p or path.startswith(p + "/"))]
    return max(matching, key=len) if matching else None


def _roles(route: Route, prefix: str) -> frozenset[str]:
    return ROLES_BY_PREFIX.get(f"{route.method} {prefix}", ROLES_BY_PREFIX[prefix])


async def _call(world: World, route: Route, *, who: str | None = None, expired: bool = False,
                with_csrf: bool = False, query: dict[str, str] | None = None) -> httpx.Response:
    """One request to `route` as `who` (None: nobody), its path filled with the world's ids."""
    url = fill(route.path, world.params)
    if route.surface == "api":
        headers = world.expired_bearer(who or "admin") if expired else world.bearer(who) if who else {}
        body = (TRANSITION if route.path.endswith("/transitions") else {}) if route.method != "GET" else None
        return await world.client.request(route.method, url, params=query, headers=headers, json=body)
    if expired:
        web = await world.browser(world.expired_cookie(who or "admin"))
    else:
        web = await world.signed_in(who) if who else await world.browser()
    data = None
    if route.method != "GET":
        data = {"csrf_token": await world.csrf(who)} if with_csrf and who else {}
        if route.path.endswith("/pindah"):
            data |= {"ke": "diverifikasi_desa", "catatan": "periksa", "alasan": "diperiksa di kantor desa"}
    return await web.request(route.method, url, params=query, data=data)


def _signed_out(route: Route, r: httpx.Response) -> str | None:
    """What is wrong with the answer to a request without a valid token or session, or None."""
    if route.surface == "api":
        if r.status_code != 401 or r.headers.get("www-authenticate") != "Bearer":
            return f"{route}: {r.status_code} {r.headers.get('www-authenticate')!r}, not 401 Bearer"
    elif r.status_code != 303 or r.headers.get("location") != "/admin/login":
        return f"{route}: {r.status_code} to {r.headers.get('location')!r}, not a redirect to the login"
    return None


def _report(failures: list[str], checked: int) -> None:
    assert checked and not failures, f"{len(failures)} of {checked} checks failed:\n" + "\n".join(failures)


# --- the list itself ---
async def test_every_staff_route_is_listed_signed_in_and_in_the_roles_table(client):
    routes = staff_routes(client.app)
    api = [r for r in routes if r.surface == "api"]
    admin = [r for r in routes if r.surface == "admin"]
    assert len(api) >= 18 and len(admin) >= 30, (len(api), len(admin))  # the listing found the routers
    assert "POST /api/v1/reports/{reference}/transitions" in map(str, api)
    assert "GET /admin/laporan/{reference}/dokumen/{name}" in map(str, admin)
    problems = []
    for route in routes:
        prefix = _prefix(route.path)
        if not route.signed_in:
            problems.append(f"{route}: no token or session dependency (CurrentStaff, require_roles, CurrentSession)")
        elif prefix is None:
            problems.append(f"{route}: not under any prefix of ROLES_BY_PREFIX; add its line there")
        elif route.roles != _roles(route, prefix):
            problems.append(f"{route}: admits {sorted(route.roles)}, ROLES_BY_PREFIX[{prefix!r}] says "
                            f"{sorted(_roles(route, prefix))}")
    assert not problems, "\n".join(problems)


def test_a_path_parameter_without_a_value_is_named():
    try:
        fill("/api/v1/things/{thing_id}", {})
    except KeyError as exc:
        assert "{thing_id}" in str(exc)
    else:
        raise AssertionError("fill() accepted a parameter it has no value for")


# --- no token, an expired token ---
async def test_without_a_token_or_session_every_staff_route_refuses(world):
    routes = staff_routes(world.app)
    failures = [f for route in routes if (f := _signed_out(route, await _call(world, route)))]
    _report(failures, len(routes))


async def test_an_expired_token_or_session_is_refused_everywhere(world):
    routes = staff_routes(world.app)
    failures = []
    for route in routes:
        r = await _call(world, route, expired=True)
        if failure := _signed_out(route, r):
            failures.append(failure)
        elif route.surface == "admin" and not any(c.startswith("oki_admin=") and "Max-Age=0" in c
                                                  for c in r.headers.get_list("set-cookie")):
            failures.append(f"{route}: the expired session cookie was not seen and dropped")
    _report(failures, len(routes))


# --- the wrong role ---
async def test_every_role_a_route_does_not_admit_gets_403(world):
    failures, checked = [], 0
    for route in staff_routes(world.app):
        for who in (m for m in MEMBERS if m not in route.roles):
            checked += 1
            r = await _call(world, route, who=who, with_csrf=True)
            if r.status_code != 403 or ROLE_REFUSED[route.surface] not in r.text:
                failures.append(f"{route} as {who}: {r.status_code} {r.text[:120]!r}")
    _report(failures, checked)


async def test_a_role_a_route_admits_opens_each_page_and_api_read(world):
    """The control for the refusals above: with the world's ids, the first admitted role gets 200."""
    failures, checked = [], 0
    for route in (r for r in staff_routes(world.app) if r.method == "GET"):
        who = OWNER.get(route.path) or next(m for m in MEMBERS if m in route.roles)
        checked += 1
        r = await _call(world, route, who=who)
        if r.status_code != 200:
            failures.append(f"{route} as {who}: {r.status_code} {r.text[:120]!r}")
    _report(failures, checked)


# --- the wrong area ---
async def test_a_report_of_another_area_is_out_of_reach(world):
    failures, checked = [], 0
    for route in (r for r in staff_routes(world.app) if "{reference}" in r.path):
        for who in ("camat_other", "kades_other"):
            checked += 1
            r = await _call(world, route, who=who, with_csrf=True)
            if r.status_code not in (403, 404) or PNG in r.content:
                failures.append(f"{route} as {who} (another area): {r.status_code}")
        for who in ("camat", "kades") if route.method == "GET" else ():
            checked += 1
            if (r := await _call(world, route, who=who)).status_code != 200:
                failures.append(f"{route} as {who} (its own area): {r.status_code}, not 200")
    _report(failures, checked)


async def test_a_kecamatan_filter_outside_ones_area_is_403(world):
    failures, checked = [], 0
    for route in staff_routes(world.app):
        if route.method != "GET" or "camat" not in route.roles:
            continue
        if "kecamatan" not in route.query and route.path not in FILTERED_PAGES:
            continue
        for who, kecamatan, expected in (("camat", PDM, 403), ("kades", PDM, 403), ("camat", KAG, 200)):
            checked += 1
            r = await _call(world, route, who=who, query={"kecamatan": kecamatan})
            if r.status_code != expected:
                failures.append(f"{route}?kecamatan={kecamatan} as {who}: {r.status_code}, not {expected}")
    assert checked >= 3 * 5, checked  # /api/v1/registry, its stats, /api/v1/reports, and the pages
    _report(failures, checked)


_TICKET_BODIES = {"messages": {"text": "halo"}, "notes": {"text": "catatan"}, "assign": {"username": "admin"},
                  "close": {}, "balas": {"teks": "halo"}, "catatan": {"teks": "catatan"}, "tugaskan": {"ambil": "1"},
                  "tutup": {}}


async def test_a_ticket_of_another_area_is_out_of_reach(world):
    """A helpdesk ticket placed in Sukadana: 404 to the camat and kades of elsewhere on every route,
    with a body that would be accepted, so it is the area refusing; 200 to those of its area."""
    failures, checked = [], 0
    tickets = world.app.state.runtime.helpdesk._tickets
    ticket_id = int(world.params["ticket_id"])
    before = len(await tickets.messages(ticket_id))
    for route in (r for r in staff_routes(world.app) if "{ticket_id}" in r.path):
        url, body = fill(route.path, world.params), _TICKET_BODIES.get(route.path.rsplit("/", 1)[1])
        for who in ("camat_other", "kades_other"):
            checked += 1
            if route.surface == "api":
                r = await world.client.request(route.method, url, headers=world.bearer(who),
                                               json=body if route.method != "GET" else None)
            else:
                data = {"csrf_token": await world.csrf(who), **(body or {})} if route.method != "GET" else None
                r = await (await world.signed_in(who)).request(route.method, url, data=data)
            if r.status_code != 404 or PNG in r.content or "tolong" in r.text:
                failures.append(f"{route} as {who} (another area): {r.status_code}")
        for who in ("camat", "kades") if route.method == "GET" else ():
            checked += 1
            r = await _call(world, route, who=who)
            if r.status_code != 200:
                failures.append(f"{route} as {who} (its own area): {r.status_code}, not 200")
    tickets_after = await tickets.get(ticket_id)
    if len(await tickets.messages(ticket_id)) != before or tickets_after.status != "open" or tickets_after.assignee_id:
        failures.append("a refused request changed the ticket")
    assert checked >= 2 * 12, checked
    _report(failures, checked)


# --- documents ---
async def test_a_documents_url_needs_a_token_the_role_and_the_area(world):
    reference = world.params["reference"]
    detail = (await world.client.get(f"/api/v1/reports/{reference}", headers=world.bearer("dinsos"))).json()
    [document] = detail["documents"]
    url = document["url"]
    assert url.startswith(f"/api/v1/reports/{reference}/documents/")
    answers = {who: await world.client.get(url, headers=world.bearer(who) if who else {})
               for who in (None, "humas", "camat_other", "kades_other", "kades")}
    assert [answers[w].status_code for w in (None, "humas", "camat_other", "kades_other")] == [401, 403, 404, 404]
    assert not any(PNG in answers[w].content for w in (None, "humas", "camat_other", "kades_other"))
    mine = answers["kades"]
    assert mine.status_code == 200 and mine.content == PNG and mine.headers["cache-control"] == "private, no-store"
    # the file itself is served by no mount: only these routes read DATA_DIR/attachments
    name = url.rsplit("/", 1)[1]
    for guess in (f"/static/{name}", f"/admin/static/{name}", "/static/..%2F..%2Fsecret_key",
                  f"/static/..%2F..%2Fattachments%2F{name}", f"/attachments/{name}"):
        r = await world.client.get(guess)
        assert r.status_code == 404 and PNG not in r.content, guess


# --- the login lockout across both sign-ins ---
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def test_failures_on_either_sign_in_count_toward_one_lockout(world):
    """The API token and the admin login share one counter, so alternating them gains nothing."""
    web = await world.browser()

    async def admin_login(password: str) -> int:
        token = _CSRF.search((await web.get("/admin/login")).text)[1]
        return (await web.post("/admin/login", data={"csrf_token": token, "username": "dinsos",
                                                      "password": password})).status_code

    async def api_login(password: str) -> int:
        return (await world.client.post("/api/v1/auth/token", data={"username": "dinsos",
                                                                     "password": password})).status_code

    codes = [await (api_login if i % 2 == 0 else admin_login)("salah-salah-salah") for i in range(5)]
    assert codes == [401, 400, 401, 400, 429]
    assert await api_login(PASSWORD) == 429  # the right password, while locked
    assert await admin_login(PASSWORD) == 429
