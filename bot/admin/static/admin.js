// Layanan OKI staff pages: small enhancements only; every page works without this file.
"use strict";

// Show only the area field that fits the chosen role (camat: kecamatan, kades: desa).
function showAreaFields(form, role) {
  form.querySelectorAll("[data-for-role]").forEach(function (field) {
    field.hidden = field.getAttribute("data-for-role") !== role;
  });
}

// Kecamatan first, then desa: a select with data-narrows="<id>" keeps in the desa select <id> only
// the optgroup of the kecamatan chosen. A kecamatan the page did not send (the server had narrowed
// the list already) is fetched the no-script way, by the fallback button.
function narrowPlaces(kecamatan) {
  var desa = document.getElementById(kecamatan.getAttribute("data-narrows"));
  var fallback = kecamatan.form && kecamatan.form.querySelector("[data-narrow-fallback]");
  if (!desa) { return; }
  if (fallback) { fallback.hidden = true; }
  var groups = Array.prototype.slice.call(desa.querySelectorAll("optgroup"));
  var narrowed = groups.length < kecamatan.options.length - 1;  // the server sent one kecamatan's desa only
  function show() {
    var chosen = kecamatan.value, kept = desa.value;
    if (narrowed && fallback) { fallback.click(); return; }
    groups.forEach(function (group) { if (group.parentNode) { desa.removeChild(group); } });
    groups.forEach(function (group) {
      if (!chosen || group.getAttribute("data-kecamatan") === chosen) { desa.appendChild(group); }
    });
    desa.value = kept;
    if (desa.value !== kept) { desa.value = ""; }
  }
  kecamatan.addEventListener("change", show);
}

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-narrows]").forEach(narrowPlaces);
  document.querySelectorAll("form[data-role-form]").forEach(function (form) {
    var select = form.querySelector("select[name=role]");
    if (!select) { return; }
    showAreaFields(form, select.value);
    select.addEventListener("change", function () { showAreaFields(form, select.value); });
  });
  document.querySelectorAll("form[data-role]").forEach(function (form) {
    showAreaFields(form, form.getAttribute("data-role"));
  });
  // Ask before a change that is hard to undo (disabling an account).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
});
