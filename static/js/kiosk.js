/* The venue kiosk: fetch the rotating check-in code as each 20-second slot begins, and the live count.
   Runs for the whole meeting untouched: it keeps the screen awake, retries when the network drops, and hides
   a code too old to be accepted rather than let residents scan it in vain. */
(function () {
  "use strict";
  var body = document.querySelector("[data-kiosk]");
  if (!body || !window.fetch) { return; }
  var stateUrl = body.getAttribute("data-state-url");
  var box = body.querySelector("[data-kiosk-code]");
  var note = body.querySelector("[data-kiosk-note]");
  var count = body.querySelector("[data-kiosk-count]");
  var offline = body.querySelector("[data-kiosk-offline]");
  var slot = box.hidden ? null : parseInt(body.getAttribute("data-slot"), 10);
  var shownAt = Date.now();
  var POLL_MS = 5000, STALE_MS = 38000;

  function schedule(ms) { window.setTimeout(poll, Math.max(300, ms)); }

  function apply(data) {
    note.textContent = data.note;
    count.textContent = data.count;
    if (data.state === "open") {
      if (data.svg) { box.innerHTML = data.svg; slot = data.slot; shownAt = Date.now(); }
      box.hidden = false;
    } else {
      box.hidden = true;
      box.innerHTML = "";
      slot = null;
    }
  }

  function poll() {
    var url = stateUrl + (slot === null ? "" : "?have=" + slot);
    fetch(url, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        offline.hidden = true;
        apply(data);
        // Ask again just after the next slot begins, and at least every few seconds for the count.
        schedule(Math.min(POLL_MS, data.next_in * 1000 + 250));
      })
      .catch(function () {
        offline.hidden = false;
        if (Date.now() - shownAt > STALE_MS) { box.hidden = true; slot = null; }
        schedule(3000);
      });
  }

  function keepAwake() {
    if (navigator.wakeLock && document.visibilityState === "visible") {
      navigator.wakeLock.request("screen").catch(function () {});
    }
  }
  document.addEventListener("visibilitychange", keepAwake);
  keepAwake();
  schedule(Math.min(POLL_MS, parseFloat(body.getAttribute("data-next-in")) * 1000 + 250));
})();
