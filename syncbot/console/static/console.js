// Enhancements only: every page works without this script.
// - <time datetime> in the browser's time zone (UTC stays in the title);
// - "/" focuses the search box ([data-search]);
// - [data-live="/url"] regions are re-fetched when /events reports a change.
(function () {
  "use strict";

  function localTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (node) {
      var when = new Date(node.getAttribute("datetime"));
      if (!isNaN(when)) {
        node.textContent = when.toLocaleString(undefined, {
          year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
        });
      }
    });
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      var search = document.querySelector("[data-search]");
      if (search) { event.preventDefault(); search.focus(); search.select && search.select(); }
    }
  });

  function refresh(region) {
    var url = region.getAttribute("data-live");
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (answer) { return answer.ok ? answer.text() : null; })
      .then(function (html) {
        if (html !== null) {
          region.innerHTML = html;
          localTimes(region);
          region.dispatchEvent(new CustomEvent("syncbot:refreshed", { bubbles: true }));
        }
      })
      .catch(function () { /* the next change event tries again */ });
  }

  function live() {
    var regions = document.querySelectorAll("[data-live]");
    if (!regions.length || !window.EventSource) { return; }
    var pending = false;
    var source = new EventSource("/events");
    // Marks the page as live while the stream is open (tests wait on it; CSS may show it).
    source.addEventListener("open", function () { document.documentElement.dataset.live = "open"; });
    source.addEventListener("error", function () { document.documentElement.dataset.live = "closed"; });
    source.addEventListener("change", function () {
      if (pending) { return; }
      pending = true;
      // One refresh per burst of changes, still well inside the 2-second promise.
      setTimeout(function () {
        pending = false;
        regions.forEach(refresh);
      }, 150);
    });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    live();
  });
})();
