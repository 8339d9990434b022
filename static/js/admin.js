// Accessible names for admin widgets that Django renders without one. Loaded on every
// admin page (templates/admin/base_site.html); the admin works without it.
(function () {
  "use strict";

  function ensureId(element, id) {
    if (!element.id) element.id = id;
    return element.id;
  }

  // A tabular inline labels its columns once, in the table's header, not each field:
  // every control in a cell is named by its column's header.
  function nameTabularFields() {
    document.querySelectorAll(".tabular table").forEach(function (table, number) {
      var headers = table.tHead ? table.tHead.rows[0].cells : [];
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          Array.prototype.forEach.call(row.cells, function (cell) {
            var header = headers[cell.cellIndex];
            if (!header || !header.textContent.trim()) return;
            var headerId = ensureId(header, "inline-" + number + "-column-" + cell.cellIndex);
            cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (control) {
              if (!control.labels.length && !control.hasAttribute("aria-labelledby")) {
                control.setAttribute("aria-labelledby", headerId);
              }
            });
          });
        });
      });
    });
  }

  // The autocomplete fields (select2) hide the <select> that carries the label and show
  // a combobox, and for several values a search box, that nothing names.
  function nameAutocompleteFields() {
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var widget = select.nextElementSibling;
      if (!widget || !widget.classList.contains("select2")) return;
      var labelId = select.getAttribute("aria-labelledby");
      if (!labelId && select.labels.length) labelId = ensureId(select.labels[0], select.id + "-label");
      if (!labelId) return;
      var combobox = widget.querySelector(".select2-selection");
      var value = widget.querySelector(".select2-selection__rendered[id]");
      if (value) {
        // The field's label, then its value.
        combobox.setAttribute("aria-labelledby", labelId + " " + value.id);
        value.setAttribute("aria-labelledby", labelId);
      } else {
        combobox.setAttribute("aria-labelledby", labelId);
      }
      widget.querySelectorAll(".select2-search__field").forEach(function (search) {
        search.setAttribute("aria-labelledby", labelId);
      });
      // The "clear all" cross is for the mouse only, and it sits among the list's items.
      widget.querySelectorAll(".select2-selection__clear").forEach(function (clear) {
        clear.setAttribute("aria-hidden", "true");
      });
    });
  }

  function nameAll() {
    nameTabularFields();
    nameAutocompleteFields();
  }

  // select2 builds its widgets after the page loads and rebuilds parts of them as values
  // change; inline rows are added on demand. Name whatever appears, once per frame.
  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      nameAll();
    });
  }).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", nameAll);
})();
