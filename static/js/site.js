// Progressive enhancement only: every page works without this file.
(function () {
  // On narrow screens the filter panel starts closed, behind its "Filtros" button.
  var narrow = window.matchMedia("(max-width: 47.99em)");
  document.querySelectorAll("details.filter-panel").forEach(function (panel) {
    if (narrow.matches) panel.open = false;
  });
  // Ticking a facet option applies it at once.
  document.querySelectorAll(".filter-form input[type=checkbox]").forEach(function (box) {
    box.addEventListener("change", function () { box.form.submit(); });
  });
})();
