/* statusgen banner: shows the status page's news on another site while something
   is wrong, and nothing when all is well. Embed with
   <script src="https://status.example.ac.uk/embed/banner.js" async></script>
   It reads api/v2/summary.json of the site it came from (the page that embeds it
   may be on any origin: the status site must send Access-Control-Allow-Origin). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch) return;
  // The script lives at <site>/embed/banner.js, so the site is one folder up.
  var site = new URL("../", script.src).href;
  var colours = {
    minor: ["#f2c744", "#24292f"],
    major: ["#bc4c00", "#fff"],
    critical: ["#cf222e", "#fff"],
    maintenance: ["#0969da", "#fff"]
  };
  function text(parent, words) {
    parent.appendChild(document.createTextNode(words));
  }
  fetch(site + "api/v2/summary.json", { credentials: "omit" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (summary) {
      var status = summary && summary.status;
      var colour = status && colours[status.indicator];
      if (!colour) return;
      var now = (summary.scheduled_maintenances || []).filter(function (m) {
        return m.status === "in_progress" || m.status === "verifying";
      });
      var names = (summary.incidents || []).concat(now).map(function (e) { return e.name; });
      // An empty live region first, filled a moment later, so screen readers
      // announce the words rather than find them already there.
      var box = document.createElement("div");
      box.setAttribute("role", "status");
      box.className = "statusgen-banner statusgen-" + status.indicator;
      box.style.cssText = "background:" + colour[0] + ";color:" + colour[1] +
        ";padding:.6em 1em;line-height:1.4;font-family:inherit";
      script.parentNode.insertBefore(box, script.nextSibling);
      setTimeout(function () {
        var strong = document.createElement("strong");
        strong.textContent = status.description;
        box.appendChild(strong);
        if (names.length) text(box, ": " + names.join("; ") + ".");
        text(box, " ");
        var link = document.createElement("a");
        link.href = site;
        link.textContent = "See " + ((summary.page && summary.page.name) || "the status page");
        link.style.color = "inherit";
        link.style.textDecoration = "underline";
        box.appendChild(link);
      }, 50);
    })
    .catch(function () { /* no banner: the page stays as it was */ });
})();
