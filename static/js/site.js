// Progressive enhancement only: every page works without this file.
(function () {
  // On narrow screens the filter panel starts closed, behind its "Filtros" button. Wide
  // screens hide that button, so a panel closed on a narrow screen opens again when the
  // screen widens (a phone turned sideways), or its filters could not be reached.
  var narrow = window.matchMedia("(max-width: 47.99em)");
  var panels = document.querySelectorAll("details.filter-panel");
  panels.forEach(function (panel) {
    if (narrow.matches) panel.open = false;
  });
  narrow.addEventListener("change", function () {
    if (!narrow.matches) panels.forEach(function (panel) { panel.open = true; });
  });

  // Ticking a facet option with a mouse or a finger applies it at once. Ticking it from
  // the keyboard (Space) or a screen reader only ticks it: reloading the page would
  // change the context under the reader and send their focus back to the top (WCAG
  // 3.2.2). They apply with Enter or the "Aplicar filtros" button, after ticking as
  // many options as they like.
  document.querySelectorAll(".filter-form").forEach(function (form) {
    var pointed = false;
    form.addEventListener("pointerdown", function () { pointed = true; });
    form.addEventListener("keydown", function () { pointed = false; });
    form.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      box.addEventListener("change", function () {
        if (pointed) form.submit();
        pointed = false;
      });
    });
  });
})();
