// Layanan OKI staff pages: small enhancements only; every page works without this file.
"use strict";

// Show only the area field that fits the chosen role (camat: kecamatan, kades: desa).
function showAreaFields(form, role) {
  form.querySelectorAll("[data-for-role]").forEach(function (field) {
    field.hidden = field.getAttribute("data-for-role") !== role;
  });
}

document.addEventListener("DOMContentLoaded", function () {
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
