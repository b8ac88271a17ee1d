// ClusterPBX voicemail: the little the pages do with JavaScript. Without it
// everything works but the live updates.
"use strict";
(function () {
  // Ask before a destructive form is sent.
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });

  var live = document.body.getAttribute("data-live");
  if (!live || !window.EventSource) { return; }
  var playing = function () {
    var a = document.querySelectorAll("audio");
    for (var i = 0; i < a.length; i++) { if (!a[i].paused && !a[i].ended) { return true; } }
    return false;
  };
  var pending = false;
  // Fetch the page again and swap in its folders and messages, unless a
  // message is playing: then wait until it stops.
  var refresh = function () {
    if (playing()) { pending = true; return; }
    pending = false;
    fetch(window.location.href, { credentials: "same-origin" }).then(function (r) {
      if (r.redirected || !r.ok) { window.location.reload(); return null; }
      return r.text();
    }).then(function (html) {
      if (html === null) { return; }
      var doc = new DOMParser().parseFromString(html, "text/html");
      ["folder-title", "messages"].forEach(function (id) {
        var now = document.getElementById(id), next = doc.getElementById(id);
        if (now && next) { now.replaceWith(next); }
      });
      var counts = doc.querySelectorAll(".count");
      for (var i = 0; i < counts.length; i++) {
        var c = document.querySelector('.count[data-folder="' + counts[i].getAttribute("data-folder") + '"]');
        if (c) { c.textContent = counts[i].textContent; }
      }
      document.title = doc.title;
    });
  };
  document.addEventListener("ended", function () { if (pending) { refresh(); } }, true);
  document.addEventListener("pause", function () { if (pending) { refresh(); } }, true);
  var es = new EventSource(live);
  var version = null;
  es.addEventListener("mwi", function (e) {
    var d = JSON.parse(e.data);
    if (version !== null && d.version !== version) {
      if (d.new > (window.vmLastNew || 0)) {
        var n = document.getElementById("live");
        if (n) { n.textContent = n.getAttribute("data-new") || document.documentElement.getAttribute("data-new"); }
      }
      refresh();
    }
    version = d.version;
    window.vmLastNew = d.new;
  });
  es.addEventListener("bye", function () { es.close(); window.location.reload(); });
})();
