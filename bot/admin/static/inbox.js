// Layanan OKI staff pages: the helpdesk inbox, live. Every page works without this file.
// - The menu's counters ("Kotak Masuk 3", "Pengumuman 1"): each filled from its data-source when the
//   page did not count it.
// - On the inbox list and on one conversation: an EventSource on /admin/bantuan/siaran; on each
//   "berubah" event the list's rows or the transcript are fetched again (an HTML fragment) and put in
//   place, and the counter is updated. It reconnects with a growing pause when the connection drops.
// - Picking a canned reply puts its text in the reply box.
"use strict";

(function () {
  var BADGE_ID = "jumlah-kotak-masuk";

  function setBadge(count, id) {
    var badge = document.getElementById(id || BADGE_ID);
    if (!badge || typeof count !== "number") { return; }
    badge.textContent = count > 0 ? String(count) : "";
    badge.setAttribute("data-count", String(count));
    badge.hidden = count <= 0;
  }

  // A menu counter the page did not count: asked from its data-source ({"menunggu": n}).
  function fillBadge(badge) {
    if (!badge || badge.getAttribute("data-count") !== "") { return; }
    fetch(badge.getAttribute("data-source"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body) { setBadge(body.menunggu, badge.id); } })
      .catch(function () { /* the counter is a nicety */ });
  }

  function parse(html, wrapper) {
    var template = document.createElement("template");
    template.innerHTML = wrapper ? "<" + wrapper + ">" + html + "</" + wrapper + ">" : html;
    return template.content;
  }

  // Fetch the fragment at `url` and put its element with `id` in place of the page's one.
  function refresh(target, id, wrapper) {
    var url = target.getAttribute("data-url");
    return fetch(url, { credentials: "same-origin", redirect: "error" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.text(); })
      .then(function (html) {
        var fresh = parse(html, wrapper).querySelector("#" + id);
        var old = document.getElementById(id);
        if (fresh && old) {
          old.replaceWith(fresh);
          document.dispatchEvent(new CustomEvent("inbox:refreshed", { detail: { id: id } }));
        }
      });
  }

  function live(target) {
    var status = document.querySelector("[data-live-status]");
    var kind = target.getAttribute("data-live");
    var id = kind === "list" ? "baris-tiket" : "transkrip";
    var wrapper = kind === "list" ? "table" : "";
    var source = null, pause = 1000, pending = false, again = false;

    function say(text, state) {
      if (!status) { return; }
      status.textContent = text;
      status.setAttribute("data-state", state);
    }

    function update() {
      if (pending) { again = true; return; }  // one fetch at a time; the latest change wins
      pending = true;
      var node = kind === "list" ? document.getElementById("kotak") : document.getElementById("transkrip");
      refresh(node, id, wrapper)
        .catch(function () { say("Gagal memperbarui; mencoba lagi pada perubahan berikutnya.", "error"); })
        .then(function () {
          pending = false;
          if (again) { again = false; update(); }
        });
    }

    function connect() {
      source = new EventSource("/admin/bantuan/siaran");
      source.addEventListener("siap", function (event) {
        pause = 1000;
        say("Diperbarui langsung.", "live");
        try { setBadge(JSON.parse(event.data).menunggu); } catch (e) { /* ignore */ }
      });
      source.addEventListener("berubah", function (event) {
        try { setBadge(JSON.parse(event.data).menunggu); } catch (e) { /* ignore */ }
        update();
      });
      source.onerror = function () {
        if (source.readyState === EventSource.CLOSED) {  // refused (signed out) or gone: try again later
          source.close();
          say("Sambungan terputus; menyambung lagi… Jika tetap gagal, muat ulang halaman atau masuk lagi.",
              "error");
          window.setTimeout(connect, pause);
          pause = Math.min(pause * 2, 60000);
        } else {
          say("Menyambung lagi…", "connecting");  // the browser retries by itself
        }
      };
    }

    connect();
    window.addEventListener("pagehide", function () { if (source) { source.close(); } });
  }

  function canned() {
    document.querySelectorAll("select[data-canned-target]").forEach(function (select) {
      select.addEventListener("change", function () {
        var box = document.getElementById(select.getAttribute("data-canned-target"));
        var option = select.options[select.selectedIndex];
        if (box && option && option.getAttribute("data-text")) {
          box.value = option.getAttribute("data-text");
          box.focus();
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var target = document.querySelector("[data-live]");
    if (target) { live(target); } else { fillBadge(document.getElementById(BADGE_ID)); }
    fillBadge(document.getElementById("jumlah-persetujuan"));
    canned();
  });
})();
