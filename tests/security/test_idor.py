"""Area rules (IDOR) of the December security review, rows 43-52, on the populated app of
tests/security/world.py: one report in desa Sukadana (Kayu Agung), staff of that area (camat,
kades) and of another (camat_other in Pedamaran, kades_other in Kedaton, Kayu Agung).

Kept in tests/security/test_routes.py and not repeated: every route with a {reference} (API read,
transitions, documents; admin page, /pindah, /dokumen) refused to staff of another area
(rows 43, 46, 49, 51); a kecamatan filter (code) outside the area on every route that takes one,
registry and stats included (rows 44, 47, 49); every role a route does not admit gets 403
(row 48); the document URL needs the token, the role and the area (row 51). In
tests/bot/test_api_reports.py: other areas' transitions 404 and humas 403 (row 46), the
export scoped for camat (row 45). Row 50 (F14) is in tests/security/test_documents.py."""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from tests.security.world import KAG, KEDATON, PDM, PNG, SUKADANA

NAME = "Ahmad Sanusi"  # the deceased's name in the world's report


async def test_other_areas_get_404_for_a_reference_in_either_case(world):
    """Row 43: `GET /api/v1/reports/{ref}` and `/admin/laporan/{ref}` with the reference in upper
    and lower case: 404 for camat and kades of other areas, nothing of the report in the answer;
    200 for the area's own camat and kades in both cases."""
    reference = world.params["reference"]
    for who in ("camat", "kades", "camat_other", "kades_other"):
        web = await world.signed_in(who)
        for ref in (reference, reference.lower()):
            api = await world.client.get(f"/api/v1/reports/{ref}", headers=world.bearer(who))
            page = await web.get(f"/admin/laporan/{ref}")
            expected = 404 if who.endswith("_other") else 200
            assert (api.status_code, page.status_code) == (expected, expected), (who, ref)
            if expected == 404:
                assert NAME not in api.text and NAME not in page.text


async def test_list_filters_outside_the_area_are_refused(world):
    """Row 44: list filters by name and by code: a kecamatan by name outside the area, the desa of
    another desa, mismatched kecamatan and desa; 403 (or 422 for a desa not in that kecamatan),
    on the API and the admin list; the outsiders' unfiltered lists do not hold the report."""
    reference, c = world.params["reference"], world.client
    cases = [("kades", {"kecamatan": KAG, "desa": KEDATON}, 403), ("kades", {"kecamatan": "Pedamaran"}, 403),
             ("camat_other", {"kecamatan": "Kayu Agung"}, 403),
             ("kades_other", {"kecamatan": KAG, "desa": SUKADANA}, 403),
             ("kades_other", {"kecamatan": KAG, "desa": "Sukadana"}, 403),
             ("dinsos", {"kecamatan": PDM, "desa": SUKADANA}, 422), ("kades", {"desa": KEDATON}, 422)]
    for who, query, expected in cases:
        r = await c.get("/api/v1/reports", params=query, headers=world.bearer(who))
        assert r.status_code == expected, (who, query, r.text)
        assert reference not in r.text
    for who in ("camat_other", "kades_other"):
        listed = (await c.get("/api/v1/reports", headers=world.bearer(who))).json()
        assert listed["total"] == 0 and reference not in str(listed)


async def test_exports_hold_only_the_area_s_rows(world):
    """Row 45: `export.csv|xlsx` as kades and camat: the area's own report is in it; for kades and
    camat of other areas it is not (header only)."""
    reference = world.params["reference"]
    for who, mine in (("kades", True), ("camat", True), ("kades_other", False), ("camat_other", False)):
        r = await world.client.get("/api/v1/reports/export.csv", headers=world.bearer(who))
        assert r.status_code == 200, who
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert (len(rows) == 2 and rows[1][0] == reference) if mine else len(rows) == 1, (who, rows)
        book = await world.client.get("/api/v1/reports/export.xlsx", headers=world.bearer(who))
        sheet = load_workbook(io.BytesIO(book.content)).active
        assert sheet.max_row == (2 if mine else 1), who


async def test_a_kades_cannot_skip_ahead_or_reject(world):
    """Row 46: the area's own kades moving the report straight to `disetujui`, `dicairkan` or
    `diverifikasi_kecamatan`, or rejecting it (`ditolak`): 403 each, the status unchanged."""
    reference, c = world.params["reference"], world.client
    for to in ("disetujui", "dicairkan", "diverifikasi_kecamatan", "ditolak"):
        r = await c.post(f"/api/v1/reports/{reference}/transitions", json={"to": to, "note": "langsung"},
                         headers=world.bearer("kades"))
        assert r.status_code == 403, (to, r.text)
    detail = (await c.get(f"/api/v1/reports/{reference}", headers=world.bearer("dinsos"))).json()
    assert detail["status"] == "diajukan" and [h["status"] for h in detail["history"]] == ["diajukan"]


async def test_registry_and_stats_by_name_or_desa_stay_in_the_area(world):
    """Row 47: the registry search with a kecamatan by name outside the area, or another desa: 403;
    the stats answer only the caller's own area's figures, whatever desa is asked for."""
    c = world.client
    for who, query in (("camat", {"kecamatan": "Pedamaran"}), ("camat_other", {"kecamatan": "Kayu Agung"}),
                       ("kades", {"kecamatan": KAG, "desa": KEDATON}), ("kades_other", {"kecamatan": KAG,
                                                                                         "desa": SUKADANA})):
        r = await c.get("/api/v1/registry", params=query, headers=world.bearer(who))
        assert r.status_code == 403, (who, query)
    own = (await c.get("/api/v1/registry/stats", headers=world.bearer("kades_other"))).json()
    asked = await c.get("/api/v1/registry/stats", params={"kecamatan": KAG, "desa": SUKADANA},
                        headers=world.bearer("kades_other"))
    sukadana = (await c.get("/api/v1/registry/stats", headers=world.bearer("kades"))).json()
    assert sukadana["total"] >= 1
    assert asked.status_code == 403 or asked.json()["total"] == own["total"]


async def test_admin_pages_filtered_to_another_area_show_none_of_it(world):
    """Row 49: `/admin/laporan?desa=`, `/admin/laporan/ekspor.csv?desa=` and `/admin/registri?desa=`
    of another desa, and `?kecamatan=` by name of another kecamatan: a 403 page, or only the
    caller's own rows (the registry search); never the other area's report or registry rows."""
    reference = world.params["reference"]
    kades_other = await world.signed_in("kades_other")
    for path in ("/admin/laporan", "/admin/laporan/ekspor.csv"):
        for query in ({"kecamatan": KAG, "desa": SUKADANA}, {"desa": SUKADANA}, {"kecamatan": "Kayu Agung",
                                                                                  "desa": "Sukadana"}):
            r = await kades_other.get(path, params=query)
            assert r.status_code == 403 and reference not in r.text, (path, query, r.status_code)
    # the registry rows of each area, as that area's own kades and camat see them
    sukadana_rows = (await world.client.get("/api/v1/registry", headers=world.bearer("kades"))).json()["items"]
    pedamaran_rows = (await world.client.get("/api/v1/registry", headers=world.bearer("camat_other"))).json()["items"]
    assert sukadana_rows and pedamaran_rows
    for who, query, foreign in (("kades_other", {"kecamatan": KAG, "desa": SUKADANA, "cari": "1"}, sukadana_rows),
                                ("kades_other", {"kecamatan": KAG, "desa": "Sukadana", "cari": "1"}, sukadana_rows),
                                ("kades", {"kecamatan": "Pedamaran", "cari": "1"}, pedamaran_rows),
                                ("camat_other", {"kecamatan": "Kayu Agung", "cari": "1"}, sukadana_rows)):
        page = await (await world.signed_in(who)).get("/admin/registri", params=query)
        assert page.status_code in (200, 403), (who, query)
        for row in foreign:
            assert row["nama"] not in page.text, (who, query, row["nama"])


async def test_traversal_names_on_both_document_routes_are_404(world):
    """Row 52: the document name `..%2F..%2Fsecret_key`, `..%2f..%2f..%2fdb.sqlite`, `%2e%2e`
    forms, the stored name with another extension or in capitals, as dinsos (who may read the
    real one), and one with a NUL: 404 on the API and the admin route (400 for the NUL there),
    and neither the key nor the file in the answer."""
    reference, name = world.params["reference"], world.params["name"]
    secret = world.app.state.runtime.settings.secret_key
    stem = name.rsplit(".", 1)[0]
    names = ("..%2F..%2Fsecret_key", "..%2f..%2f..%2fdb.sqlite", "%2e%2e%2f%2e%2e%2fsecret_key", "%2e%2e",
             "..%5C..%5Csecret_key", f"{stem}.html", f"{stem}.PNG", name.upper(), f"{name}%00.html",
             f"..%2F{name}")
    web = await world.signed_in("dinsos")
    for bad in names:
        api = await world.client.get(f"/api/v1/reports/{reference}/documents/{bad}", headers=world.bearer("dinsos"))
        page = await web.get(f"/admin/laporan/{reference}/dokumen/{bad}")
        for r in (api, page):
            # a NUL in a path: the admin pages refuse any NUL with 400 (bot/admin/web.py)
            assert r.status_code in ((400, 404) if "%00" in bad else (404,)), (bad, str(r.url), r.status_code)
            assert PNG not in r.content and secret.encode() not in r.content
    ok = await world.client.get(f"/api/v1/reports/{reference}/documents/{name}", headers=world.bearer("dinsos"))
    assert ok.status_code == 200 and ok.content == PNG  # the control: the real name
