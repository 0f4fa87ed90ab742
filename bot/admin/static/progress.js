// Layanan OKI staff pages: progress bars that follow a job running on the server.
// An element with data-poll="<url of JSON>" and data-kind="import" or "delivery" is polled every
// 1.5 s; when the job is over (an import finished, a broadcast left the "sending" state) the page
// reloads so that the server shows the outcome. Without this file the pages refresh themselves.
"use strict";

function showImport(box, data) {
  var bar = box.querySelector("progress");
  var label = box.querySelector("[data-progress-label]");
  if (data.total) {
    bar.max = data.total;
    bar.value = Math.min(data.done, data.total);
    bar.textContent = Math.floor(100 * Math.min(data.done, data.total) / data.total) + "%";
  }
  if (label) {
    label.textContent = data.done + (data.total !== null ? " dari " + data.total : "") + " baris";
  }
  return data.finished;
}

function showDelivery(box, data) {
  var bar = box.querySelector("progress");
  bar.value = data.percent;
  bar.textContent = data.percent + "%";
  box.querySelectorAll("[data-stat]").forEach(function (cell) {
    var name = cell.getAttribute("data-stat");
    if (name in data) { cell.textContent = data[name]; }
  });
  return data.state !== box.getAttribute("data-state");
}

function follow(box) {
  var url = box.getAttribute("data-poll");
  var show = box.getAttribute("data-kind") === "import" ? showImport : showDelivery;
  var failures = 0;
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        if (show(box, data)) { window.location.reload(); } else { window.setTimeout(tick, 1500); }
      })
      .catch(function () {
        failures += 1;  // signed out, or the server restarted: slow down, then stop
        if (failures < 20) { window.setTimeout(tick, 5000); }
      });
  }
  window.setTimeout(tick, 1000);
}

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-poll]").forEach(follow);
});
