/* Misura page set-up, loaded by base.html after the Bootstrap Italia bundle (no inline scripts). */
(function () {
  "use strict";

  /* Fonts: static/misura/fonts.css declares them. Bootstrap Italia's bootstrap.loadFonts() is not called:
     it writes an inline <style>, which the Content-Security-Policy refuses (config/csp.py). */

  /* Progress bars take their width from data-percent: a style="width: …" attribute is inline style,
     refused by the policy, while setting it from a script file is allowed. */
  function sizeBars(root) {
    var bars = (root || document).querySelectorAll(".progress-bar[data-percent]");
    Array.prototype.forEach.call(bars, function (bar) { bar.style.width = bar.getAttribute("data-percent") + "%"; });
  }
  sizeBars(document);
  document.addEventListener("htmx:afterSettle", function (event) { sizeBars(event.target); });

  /* A table wider than the screen scrolls inside its .table-responsive box: keyboard users must be able
     to reach that box to scroll it (WCAG 2.1.1), so it becomes a named, focusable region while it
     overflows, and stops being one when it fits again. */
  function labelFor(box) {
    var caption = box.querySelector("caption");
    return (caption && caption.textContent.trim()) || box.getAttribute("data-label") || "Tabella";
  }
  function markScrollable(root) {
    var boxes = (root || document).querySelectorAll(".table-responsive");
    Array.prototype.forEach.call(boxes, function (box) {
      var overflows = box.scrollWidth > box.clientWidth + 1;
      if (overflows && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", labelFor(box));
        box.setAttribute("data-misura-scroll", "");
      } else if (!overflows && box.hasAttribute("data-misura-scroll")) {
        ["tabindex", "role", "aria-label", "data-misura-scroll"].forEach(function (a) { box.removeAttribute(a); });
      }
    });
  }
  var pending;
  function later() { clearTimeout(pending); pending = setTimeout(function () { markScrollable(document); }, 150); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { markScrollable(document); });
  } else {
    markScrollable(document);
  }
  window.addEventListener("resize", later);
  document.addEventListener("htmx:afterSettle", later);
})();
