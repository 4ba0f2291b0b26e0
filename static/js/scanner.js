/* The staff scanner's camera (templates/_macros/scanner.html). Without this script the form still takes a typed
   code or a keyboard-wedge scanner; with it, the camera reads member QR codes too.

   Decoding uses the browser's BarcodeDetector where there is one, else the self-hosted jsQR
   (static/vendor/jsqr), loaded only when the camera starts. While the camera runs, each code is posted in the
   background and the page's result area ([data-scanner-result]) is replaced from the answer, so staff can scan
   a queue without the camera restarting; without a result area, or if that fails, the form is submitted. */
(function () {
  "use strict";
  var script = document.currentScript;
  var form = document.querySelector("form[data-scanner]");
  if (!form) { return; }
  var box = form.querySelector("[data-scanner-camera]");
  var video = box && box.querySelector("video");
  var status = form.querySelector("[data-scanner-status]");
  var startButton = form.querySelector("[data-scanner-start]");
  var input = form.querySelector("input:not([type=hidden])");
  var texts = readTexts();
  var REMEMBER = "points-scanner-camera";
  var SAME_CODE_MS = 3000, FRAME_MS = 150, MAX_WIDTH = 720;

  var stream = null, detector = null, timer = null, busy = false;
  var lastCode = "", lastAt = 0;
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });

  if (!video || !startButton || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.isSecureContext) {
    return; // no camera here (or plain http): typed and wedge codes still work
  }
  startButton.hidden = false;
  startButton.addEventListener("click", function () { stream ? stop(true) : start(); });
  if (sessionStorage.getItem(REMEMBER) === "on") { start(); }

  function readTexts() {
    var defaults = { stop: "Stop the camera", start: startButton ? startButton.textContent : "Use the camera",
      starting: "Starting the camera…", aim: "Hold the member code in the frame.", denied: "The camera is not available. Type the code instead.",
      sending: "Checking…" };
    var node = document.getElementById("scanner-texts");
    if (node) {
      try { var given = JSON.parse(node.textContent); for (var k in given) { defaults[k] = given[k]; } } catch (e) { /* keep defaults */ }
    }
    return defaults;
  }

  function say(text) { if (status) { status.textContent = text; } }

  function start() {
    box.hidden = false;
    say(texts.starting);
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        return video.play();
      })
      .then(loadDetector)
      .then(function () {
        sessionStorage.setItem(REMEMBER, "on");
        startButton.textContent = texts.stop;
        say(texts.aim);
        timer = window.setInterval(scanFrame, FRAME_MS);
      })
      .catch(function () {
        stop(true);
        box.hidden = false;
        say(texts.denied);
      });
  }

  function stop(forget) {
    if (timer) { window.clearInterval(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    video.srcObject = null;
    box.hidden = true;
    startButton.textContent = texts.start;
    if (forget) { sessionStorage.removeItem(REMEMBER); }
  }

  function loadDetector() {
    if ("BarcodeDetector" in window) {
      return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
        if (formats.indexOf("qr_code") >= 0) { detector = new window.BarcodeDetector({ formats: ["qr_code"] }); return; }
        return loadJsQR();
      }, loadJsQR);
    }
    return loadJsQR();
  }

  function loadJsQR() {
    if (window.jsQR) { return Promise.resolve(); }
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = script.src.replace(/js\/scanner\.js.*$/, "vendor/jsqr/jsQR.js");
      tag.onload = resolve;
      tag.onerror = reject;
      document.head.appendChild(tag);
    });
  }

  function scanFrame() {
    if (busy || !stream || video.readyState < 2 || !video.videoWidth) { return; }
    busy = true;
    decode().then(function (text) {
      busy = false;
      if (text) { found(text); }
    }, function () { busy = false; });
  }

  function decode() {
    if (detector) {
      return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : ""; });
    }
    var scale = Math.min(1, MAX_WIDTH / video.videoWidth);
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    var image = context.getImageData(0, 0, canvas.width, canvas.height);
    var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
    return Promise.resolve(code ? code.data : "");
  }

  function found(text) {
    var now = Date.now();
    if (text === lastCode && now - lastAt < SAME_CODE_MS) { return; } // the same card still in front of the lens
    lastCode = text;
    lastAt = now;
    input.value = text;
    send();
  }

  form.addEventListener("submit", function (event) {
    if (!stream) { return; } // typed or wedge code with the camera off: an ordinary form post
    event.preventDefault();
    send();
  });

  function send() {
    var region = document.querySelector("[data-scanner-result]");
    if (!region || !window.fetch || !window.DOMParser) { sessionStorage.setItem(REMEMBER, "on"); form.submit(); return; }
    busy = true;
    say(texts.sending);
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.querySelector("[data-scanner-result]");
        if (!fresh) { throw new Error("no result on the page"); }
        region.innerHTML = fresh.innerHTML;
        var result = region.querySelector("[data-result]");
        feedback(result ? result.getAttribute("data-result") : "");
        input.value = "";
        say(texts.aim);
        busy = false;
      })
      .catch(function () {
        busy = false;
        sessionStorage.setItem(REMEMBER, "on");
        form.submit();
      });
  }

  /* A short high beep for a success (or a repeat), a low one for a refusal: staff look at the resident, not the screen. */
  function feedback(result) {
    var ok = result === "ok" || result === "already_checked_in";
    if (navigator.vibrate) { navigator.vibrate(ok ? 80 : [80, 60, 80]); }
    var Audio = window.AudioContext || window.webkitAudioContext;
    if (!Audio) { return; }
    try {
      var audio = feedback.audio || (feedback.audio = new Audio());
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.frequency.value = ok ? 1320 : 330;
      gain.gain.value = 0.08;
      tone.connect(gain);
      gain.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + (ok ? 0.12 : 0.3));
    } catch (e) { /* sound is a nicety */ }
  }

  window.addEventListener("pagehide", function () { stop(false); });
})();
