/* statusgen: time that moves without a build. Optional (the page is complete
   without it): moves each maintenance window's badge on, Scheduled -> In
   progress -> Completed, by the reader's clock, and says how old the page is
   once no build has run for an hour. Reads data-states on its own tag
   ("key:icon:label|..."), and the words of its note in the page's language
   (data-ago, and data-hours/data-days: "category:text|..." by CLDR plural
   category, chosen with Intl.PluralRules), data-starts/data-ends on each
   window's badge and data-built on the .stale note. Never moves a badge back. */
(function () {
  var script = document.currentScript;
  var states = script.getAttribute("data-states").split("|").map(function (s) {
    return s.split(":");
  });
  var rules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang) : null;

  function forms(name) {
    var found = {};
    (script.getAttribute("data-" + name) || "").split("|").forEach(function (p) {
      var i = p.indexOf(":");
      if (i > 0) found[p.slice(0, i)] = p.slice(i + 1);
    });
    return found;
  }
  var hours = forms("hours"), days = forms("days");
  var agoText = script.getAttribute("data-ago") || "{age}";

  function plural(f, n) {
    var category = rules ? rules.select(n) : n === 1 ? "one" : "other";
    return (f[category] || f.other || "{count}").replace("{count}", n);
  }
  var note = document.querySelector(".stale[data-built]");
  var built = note ? Date.parse(note.getAttribute("data-built")) : 0;

  function ago(ms) {
    var h = Math.floor(ms / 36e5), d = Math.floor(h / 24);
    return d >= 2 ? plural(days, d) : plural(hours, h);
  }

  function tick() {
    var now = Math.max(Date.now(), built); // a slow clock never undoes the build
    document.querySelectorAll("[data-starts]").forEach(function (b) {
      var at = now < Date.parse(b.dataset.starts) ? 0 : now < Date.parse(b.dataset.ends) ? 1 : 2;
      var was = -1;
      states.forEach(function (s, i) { if (b.classList.contains("s-" + s[0])) was = i; });
      if (was < 0 || at <= was) return;
      var from = "s-" + states[was][0], to = "s-" + states[at][0];
      b.classList.replace(from, to);
      var card = b.closest(".card");
      if (card) card.classList.replace(from, to);
      var use = b.querySelector("use");
      if (use) use.setAttribute("href", use.getAttribute("href").replace(/#i-.*$/, "#i-" + states[at][1]));
      b.lastChild.nodeValue = states[at][2];
    });
    var age = Date.now() - built;
    if (note && age >= 36e5) {
      note.textContent = agoText.replace("{age}", ago(age));
      note.hidden = false;
    }
  }

  tick();
  setInterval(tick, 6e4);
})();
