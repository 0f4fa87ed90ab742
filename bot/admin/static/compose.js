// Layanan OKI staff pages: the live preview of an announcement while it is written. On each change
// (debounced) it asks the server for the real rendering on WhatsApp and Telegram and the number of
// recipients per channel; the page already shows the same preview without this file.
"use strict";

function previewParams(form) {
  var params = new URLSearchParams();
  ["title", "body", "link"].forEach(function (name) { params.append(name, form.elements[name].value); });
  form.querySelectorAll("input[name=kecamatan]:checked").forEach(function (box) {
    params.append("kecamatan", box.value);
  });
  return params;
}

function showPreview(data) {
  // the Telegram text is the channel's own HTML: escaped by the server, with <b> for *tebal*
  document.getElementById("preview-telegram").innerHTML = data.telegram;
  document.getElementById("preview-whatsapp").textContent = data.whatsapp;
  document.querySelectorAll("[data-recipients]").forEach(function (cell) {
    cell.textContent = data.recipients[cell.getAttribute("data-recipients")];
  });
  document.querySelectorAll("[data-parts]").forEach(function (cell) {
    cell.textContent = data.parts[cell.getAttribute("data-parts")];
  });
  showAreas(data);
}

// The recipients per subscribed area and channel ("35 = 25 seluruh OKI + 10 Pedamaran").
function showAreas(data) {
  var sum = document.getElementById("recipient-sum");
  var table = document.getElementById("recipient-areas");
  if (!sum || !table || !data.areas) { return; }
  sum.textContent = data.areas.length ? data.recipients.total + " = " + data.sum : "";
  var body = table.querySelector("tbody");
  body.textContent = "";
  data.areas.forEach(function (area) {
    var row = document.createElement("tr");
    var name = document.createElement("th");
    name.scope = "row";
    name.textContent = area.name;
    row.appendChild(name);
    ["whatsapp", "telegram", "web", "total"].forEach(function (key) {
      var cell = document.createElement("td");
      cell.className = "num";
      cell.textContent = String(area[key]);
      row.appendChild(cell);
    });
    body.appendChild(row);
  });
  table.hidden = data.areas.length === 0;
}

function setUpPreview(form) {
  var url = form.getAttribute("data-preview");
  var timer = null;
  var asked = 0;
  function refresh() {
    var mine = ++asked;
    fetch(url + "?" + previewParams(form).toString(), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) { if (mine === asked) { showPreview(data); } })
      .catch(function () { /* the preview stays as it was; saving still works */ });
  }
  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
}

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-preview]").forEach(setUpPreview);
});
