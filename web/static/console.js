// alertgate console: progressive enhancements only. Every page works and
// reads without this script; it adds live refresh of the Now board,
// keyboard shortcuts, copy buttons and confirmations.
(function () {
  "use strict";

  // Live refresh of the Now board.
  var board = document.getElementById("board");
  var toggle = document.getElementById("live-toggle");
  var state = document.getElementById("live-state");
  if (board && toggle && state) {
    var paused = false, timer = null, every = 15000;
    toggle.hidden = false;
    var refresh = function () {
      if (paused || document.hidden) return;
      fetch(location.pathname + location.search, { headers: { "X-Console-Fragment": "board" }, credentials: "same-origin" })
        .then(function (r) {
          if (r.status === 401) { state.textContent = "Your session expired: reload the page to sign in again."; paused = true; return null; }
          if (!r.ok) throw new Error(r.status + " " + r.statusText);
          return r.text();
        })
        .then(function (html) {
          if (html === null) return;
          var focused = document.activeElement && document.activeElement.getAttribute("href");
          var tpl = document.createElement("template");
          tpl.innerHTML = html.trim();
          var fresh = tpl.content.getElementById("board");
          if (!fresh) return;
          board.replaceWith(fresh);
          board = fresh;
          var open = fresh.getAttribute("data-open");
          if (open !== null) document.getElementById("open-count").textContent = open;
          if (focused) { var again = board.querySelector('a[href="' + focused + '"]'); if (again) again.focus(); }
          state.textContent = "Updated " + new Date().toLocaleTimeString();
        })
        .catch(function (e) { state.textContent = "Live update failed (" + e.message + "); retrying."; });
    };
    timer = setInterval(refresh, every);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
    toggle.addEventListener("click", function () {
      paused = !paused;
      toggle.textContent = paused ? "Resume live updates" : "Pause live updates";
      if (!paused) refresh();
    });
    window.alertgateRefresh = refresh;
  }

  // Filters apply as soon as they change.
  document.querySelectorAll("select[data-filter]").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });

  // Confirmation before destructive forms.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) { if (!confirm(f.getAttribute("data-confirm"))) e.preventDefault(); });
  });

  // Copy buttons.
  document.querySelectorAll("button[data-copy]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var text = document.getElementById(b.getAttribute("data-copy")).textContent;
      var done = function () { b.textContent = "Copied"; setTimeout(function () { b.textContent = "Copy to clipboard"; }, 2000); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { b.textContent = "Copy failed: select the text"; });
      } else {
        var range = document.createRange();
        range.selectNodeContents(document.getElementById(b.getAttribute("data-copy")));
        var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
        b.textContent = document.execCommand && document.execCommand("copy") ? "Copied" : "Selected: press Ctrl+C";
      }
    });
  });

  // Keyboard shortcuts.
  var rows = function () { return Array.prototype.slice.call(document.querySelectorAll("[data-row]")); };
  var current = -1, pendingG = false;
  var go = { n: "/", s: "/silences", o: "/noise", r: "/routing", w: "/whatif" };
  var focusRow = function (i) {
    var rs = rows();
    if (!rs.length) return;
    current = Math.max(0, Math.min(rs.length - 1, i));
    rs.forEach(function (r) { r.classList.remove("kbd-current"); });
    var r = rs[current];
    r.classList.add("kbd-current");
    var link = r.querySelector("[data-rowlink]") || r.querySelector("a, button");
    if (link) link.focus(); else { r.tabIndex = -1; r.focus(); }
  };
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) {
      if (e.key === "Escape") t.blur();
      return;
    }
    if (pendingG) {
      pendingG = false;
      if (go[e.key]) { location.href = go[e.key]; e.preventDefault(); }
      return;
    }
    switch (e.key) {
      case "j": focusRow(current + 1); e.preventDefault(); break;
      case "k": focusRow(current - 1); e.preventDefault(); break;
      case "g": pendingG = true; break;
      case "/": {
        var f = document.querySelector("main select, main input:not([type=hidden]), main textarea");
        if (f) { f.focus(); e.preventDefault(); }
        break;
      }
      case "a": {
        var ack = document.getElementById("ack");
        if (ack && !ack.disabled) { ack.focus(); ack.form.requestSubmit(); e.preventDefault(); }
        break;
      }
      case "?": {
        var keys = document.querySelector("details.keys");
        if (keys) { keys.open = !keys.open; keys.querySelector("summary").focus(); }
        break;
      }
    }
  });
})();
