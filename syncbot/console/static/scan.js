// The scan page (/stocktakes/{id}/scan): counting with a keyboard-wedge scanner or a camera.
// - A scan (or a typed SKU) then Enter counts +1; a number of at most 6 digits then Enter
//   sets the count of the line scanned last (GTINs have 8 digits or more).
// - Every scan gets its own key and waits in localStorage until the server has answered
//   it. A failed request is sent again with the same key, so the scan counts once; the
//   pending count is shown. A refusal (an unknown barcode, a closed session) is shown as
//   an error line and taken off the queue: sending it again could not succeed.
// - A flash and a short beep per scan; the camera through BarcodeDetector where it exists.
// Without this script the form posts to /stocktakes/{id}/count (+1 per scan).
(function () {
  "use strict";

  var root = document.getElementById("scan");
  var form = document.getElementById("scan-form");
  if (!root || !form) { return; }
  var input = document.getElementById("scan-code");
  var areaInput = document.getElementById("scan-area");
  var pendingNode = document.getElementById("scan-pending");
  var problemNode = document.getElementById("scan-problem");
  var lastNode = document.getElementById("scan-last");
  var log = document.getElementById("scan-log");
  var session = root.getAttribute("data-session");
  var url = root.getAttribute("data-scans");
  var csrf = root.getAttribute("data-csrf");
  var QUEUE = "syncbot.scans." + session;
  var LAST = "syncbot.scans.last." + session;
  var AREA = "syncbot.scans.area." + session;
  var QUANTITY = /^\d{1,6}$/;
  var sending = false;
  var retryTimer = null;
  var failures = 0;

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function read(name, fallback) {
    try { var text = localStorage.getItem(name); return text === null ? fallback : JSON.parse(text); }
    catch (e) { return fallback; }
  }
  function write(name, value) {
    try { localStorage.setItem(name, JSON.stringify(value)); }
    catch (e) { problemNode.textContent = "this device cannot keep scans: send them before leaving the page"; }
  }
  function queue() { return read(QUEUE, []); }
  function dequeue(key) { write(QUEUE, queue().filter(function (scan) { return scan.key !== key; })); }

  // Feedback: a flash of the page and a short beep (a low one for a refusal).
  var audio = null;
  function beep(ok) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.frequency.value = ok ? 1320 : 220;
      gain.gain.value = 0.08;
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + (ok ? 0.06 : 0.25));
    } catch (e) { /* no sound here: the flash still shows */ }
  }
  function flash(ok) {
    root.classList.remove("flash-ok", "flash-error");
    void root.offsetWidth;  // restart the flash for a scan right after another
    root.classList.add(ok ? "flash-ok" : "flash-error");
    setTimeout(function () { root.classList.remove("flash-ok", "flash-error"); }, 350);
    beep(ok);
  }

  function describe(scan) {
    return scan.mode === "set" ? scan.code + " = " + scan.quantity : scan.code + " +1";
  }
  function entryOf(scan) {
    var item = log.querySelector('li[data-key="' + scan.key + '"]');
    if (!item) {
      item = document.createElement("li");
      item.setAttribute("data-key", scan.key);
      log.insertBefore(item, log.firstChild);
    }
    return item;
  }
  function showWaiting(scan) {
    var item = entryOf(scan);
    item.className = "waiting";
    item.textContent = describe(scan) + " · waiting to send";
  }
  function showCounted(scan, answer) {
    var item = entryOf(scan);
    var where = answer.area ? " in " + answer.area : "";
    var expected = answer.expected === null || answer.expected === undefined ? "" : " · expected " + answer.expected;
    item.className = "counted";
    item.textContent = describe(scan) + " → " + answer.sku + ": yours" + where + " " + answer.mine +
      " · line " + answer.counted + expected;
    lastNode.className = "scan-last";
    lastNode.textContent = answer.sku + (answer.sku !== scan.code ? " (" + scan.code + ")" : "") +
      ": yours" + where + " " + answer.mine + " · line " + answer.counted + expected;
  }
  function showRefused(scan, message) {
    var item = entryOf(scan);
    item.className = "refused";
    item.setAttribute("role", "alert");
    item.textContent = "Not counted: " + describe(scan) + ": " + message;
    lastNode.className = "scan-last refused";
    lastNode.textContent = item.textContent;
  }
  function showPending() {
    var count = queue().length;
    pendingNode.textContent = String(count);
    root.setAttribute("data-pending", String(count));
  }

  function later() {
    if (retryTimer) { return; }
    var wait = Math.min(500 * Math.pow(2, failures), 10000);
    failures += 1;
    retryTimer = setTimeout(function () { retryTimer = null; send(); }, wait);
  }

  // Sends the oldest waiting scan, then the next: in order, so a set follows its scans.
  function send() {
    var waiting = queue();
    showPending();
    if (sending || !waiting.length) { return; }
    var scan = waiting[0];
    sending = true;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "error",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ code: scan.code, key: scan.key, quantity: scan.quantity, mode: scan.mode, area: scan.area }),
    }).then(function (response) {
      return response.json().then(function (answer) { return { status: response.status, answer: answer }; });
    }).then(function (reply) {
      sending = false;
      if (reply.status === 200) {
        failures = 0;
        problemNode.textContent = "";
        dequeue(scan.key);
        showCounted(scan, reply.answer);
        send();
      } else if (reply.status === 401 || reply.status === 403) {
        problemNode.textContent = reply.answer.error || "sign in again";  // kept: sent after a reload
        showPending();
      } else if (reply.status >= 400 && reply.status < 500) {
        dequeue(scan.key);
        if (reply.answer.unknown && read(LAST, null) === scan.code) { write(LAST, null); }
        showRefused(scan, reply.answer.error || "refused");
        flash(false);
        send();
      } else {
        problemNode.textContent = "the server did not answer: trying again";
        later();
      }
    }).catch(function () {
      sending = false;
      problemNode.textContent = "no connection: trying again";
      later();
    });
  }

  function enqueue(code, mode, quantity) {
    var scan = { key: newKey(), code: code, mode: mode, quantity: quantity, area: areaInput.value.trim() };
    var waiting = queue();
    waiting.push(scan);
    write(QUEUE, waiting);
    showWaiting(scan);
    showPending();
    flash(true);
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
    send();
  }

  function take(text) {
    var code = text.trim();
    if (!code) { return; }
    var last = read(LAST, null);
    if (QUANTITY.test(code) && last) {
      enqueue(last, "set", parseInt(code, 10));
    } else {
      write(LAST, code);
      enqueue(code, "add", 1);
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    take(input.value);
    input.value = "";
    input.focus();
  });
  areaInput.value = areaInput.value || read(AREA, "");
  areaInput.addEventListener("change", function () { write(AREA, areaInput.value.trim()); });
  window.addEventListener("online", function () { failures = 0; send(); });

  // The camera: BarcodeDetector where the browser has it (Chrome on Android, for one).
  var cameraButton = document.getElementById("scan-camera");
  var video = document.getElementById("scan-video");
  var stream = null;
  var seen = {};
  function stopCamera() {
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
    stream = null;
    video.hidden = true;
    cameraButton.textContent = "Camera";
  }
  function watch(detector) {
    if (!stream) { return; }
    detector.detect(video).then(function (codes) {
      var now = Date.now();
      codes.forEach(function (found) {
        if (!seen[found.rawValue] || now - seen[found.rawValue] > 1500) { take(found.rawValue); }
        seen[found.rawValue] = now;  // a code held in view counts once, not every frame
      });
    }).catch(function () { /* a frame not ready yet */ }).then(function () { setTimeout(function () { watch(detector); }, 200); });
  }
  function offerCamera() {
    cameraButton.hidden = false;
    cameraButton.addEventListener("click", function () {
      if (stream) { stopCamera(); input.focus(); return; }
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (media) {
        stream = media;
        video.srcObject = media;
        video.hidden = false;
        cameraButton.textContent = "Stop the camera";
        return video.play().then(function () { watch(new window.BarcodeDetector()); });
      }).catch(function (problem) {
        stopCamera();
        problemNode.textContent = "the camera is not available: " + problem.message;
      });
    });
  }
  if ("BarcodeDetector" in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    // Offered only where the detector reads some format (some desktops have none).
    window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.length) { offerCamera(); }
    }).catch(function () { /* no camera scanning here: the input still works */ });
  }

  // Scans left waiting by an earlier visit are shown and sent first.
  queue().forEach(showWaiting);
  var previous = read(LAST, null);
  if (previous) { lastNode.textContent = "Last scanned: " + previous; }
  root.setAttribute("data-ready", "1");
  send();
})();
