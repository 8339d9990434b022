// Progressive enhancement only: every page works without this file.
(function () {
  // The filter panel is closed in the HTML, so that a phone shows the results first with
  // no shift after the first paint; on a wide screen the CSS shows its fields and hides the
  // summary. A browser without ::details-content would leave them behind the summary on a
  // wide screen, so it gets the panel opened here.
  var narrow = window.matchMedia("(max-width: 47.99em)");
  var stylesPanel = window.CSS && CSS.supports && CSS.supports("selector(::details-content)");
  if (!stylesPanel && !narrow.matches) {
    document.querySelectorAll("details.filter-panel").forEach(function (panel) {
      panel.open = true;
    });
  }

  // On a wide screen, ticking a facet option with a mouse applies it at once. Ticking it
  // from the keyboard (Space) or a screen reader only ticks it: reloading the page would
  // change the context under the reader and send their focus back to the top (WCAG
  // 3.2.2). On a phone a tap only ticks too, so the open panel stays put while the reader
  // ticks several options; the sticky button at its foot applies them.
  document.querySelectorAll(".filter-form").forEach(function (form) {
    var pointed = false;
    form.addEventListener("pointerdown", function () { pointed = true; });
    form.addEventListener("keydown", function () { pointed = false; });
    form.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      box.addEventListener("change", function () {
        if (pointed && !narrow.matches) form.submit();
        pointed = false;
      });
    });
  });
})();
