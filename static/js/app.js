/* Small enhancements; every page works without them. No inline scripts: the CSP forbids them. */
(function () {
  "use strict";
  var synth = window.speechSynthesis;

  function speechLang() {
    return document.documentElement.lang === "en" ? "en" : "zh";
  }

  function hasVoice() {
    if (!synth || !window.SpeechSynthesisUtterance) return false;
    var lang = speechLang();
    return synth.getVoices().some(function (v) {
      return v.lang.toLowerCase().indexOf(lang) === 0;
    });
  }

  /* The read-aloud button is shown only where the phone can speak the page's language. */
  function setup() {
    var button = document.getElementById("read-aloud");
    if (button) button.hidden = !hasVoice();
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
    /* Without JavaScript, 大字 / English send the step's form so the server keeps the typing;
       with it, the tab keeps it (below) and the switches send only themselves. */
    Array.prototype.forEach.call(document.querySelectorAll("[data-keep]"), function (button) {
      button.removeAttribute("form");
      button.removeAttribute("formaction");
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("#read-aloud");
    if (!button) return;
    if (synth.speaking) {
      synth.cancel();
      return;
    }
    var main = document.getElementById("main");
    var utterance = new SpeechSynthesisUtterance(main.innerText);
    utterance.lang = speechLang() === "en" ? "en-GB" : "zh-CN";
    utterance.rate = 0.9;
    var label = button.textContent;
    button.textContent = button.dataset.stop;
    utterance.onend = utterance.onerror = function () {
      button.textContent = label;
    };
    synth.speak(utterance);
  });

  /* Optional GPS: asked for only when the resident taps the button; never required. */
  document.addEventListener("click", function (event) {
    var button = event.target.closest("#locate");
    if (!button || !navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        var lat = pos.coords.latitude.toFixed(6), lng = pos.coords.longitude.toFixed(6);
        document.getElementById("lat").value = lat;
        document.getElementById("lng").value = lng;
        button.textContent = button.dataset.done;
        /* The nearest grid is chosen for them and named; the select stays theirs to change. */
        var said = document.getElementById("located");
        fetch(button.dataset.nearest + "?lat=" + lat + "&lng=" + lng, { headers: { Accept: "application/json" } })
          .then(function (r) { return r.json(); })
          .then(function (found) {
            var select = document.getElementById("grid");
            if (found.grid && select) {
              select.value = String(found.grid);
              select.dispatchEvent(new Event("input", { bubbles: true }));
            }
            if (said) said.textContent = found.text;
          })
          .catch(function () { /* offline: the select is still there */ });
      },
      function () {
        button.textContent = button.dataset.fail;
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 }
    );
  });

  /* Large camera photos are shrunk on the phone before upload (the server re-encodes anyway). */
  var MAX_SIDE = 1600;
  function shrink(file) {
    return new Promise(function (resolve) {
      if (!/^image\/(jpeg|png|webp)$/.test(file.type) || file.size < 500000 || !window.createImageBitmap) {
        resolve(file);
        return;
      }
      createImageBitmap(file).then(function (bitmap) {
        var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bitmap.width * scale);
        canvas.height = Math.round(bitmap.height * scale);
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          resolve(blob ? new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", { type: "image/jpeg" }) : file);
        }, "image/jpeg", 0.8);
      }, function () { resolve(file); });
    });
  }

  var shrinking = new Map(); /* file input → the promise of its shrunk files */
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type !== "file" || !window.DataTransfer) return;
    var done = Promise.all(Array.prototype.map.call(input.files, shrink)).then(function (files) {
      var list = new DataTransfer();
      files.forEach(function (f) { list.items.add(f); });
      input.files = list.files;
    }).catch(function () { /* the originals go; the server shrinks them */ }).then(function () {
      if (shrinking.get(input) === done) shrinking.delete(input);
    });
    shrinking.set(input, done);
  });

  /* A quick tap on "upload" waits for the shrink: otherwise the 3 MB original goes over 2G.
     Capture phase, so htmx (listening on the form) sees only the submit sent after the wait. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var waits = [];
    shrinking.forEach(function (done, input) { if (input.form === form) waits.push(done); });
    if (!waits.length) return;
    event.preventDefault();
    event.stopPropagation();
    var button = event.submitter;
    if (button) { button.disabled = true; button.setAttribute("aria-busy", "true"); }
    Promise.all(waits).then(function () {
      if (button) { button.disabled = false; button.removeAttribute("aria-busy"); }
      form.requestSubmit(button || undefined);
    });
  }, true);

  function showGeo() {
    var geo = document.querySelector(".geo");
    if (geo && navigator.geolocation) geo.hidden = false;
  }
  document.addEventListener("DOMContentLoaded", showGeo);
  document.addEventListener("htmx:after:swap", showGeo);

  /* What a person types is kept in this tab until the form is sent, so a dropped link, a reload
     or a tap on 大字 / English loses nothing. Passwords, files and hidden fields are never kept. */
  function draftKey(form) {
    return "linli:" + location.pathname + ":" + (form.getAttribute("action") || "");
  }

  function keepable(field) {
    return field.name && field.name !== "csrf_token" && !/^(password|file|hidden|submit)$/.test(field.type);
  }

  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (!form || form.method.toLowerCase() !== "post" || !keepable(event.target)) return;
    var data = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!keepable(field)) return;
      if ((field.type === "checkbox" || field.type === "radio") && !field.checked) return;
      data[field.name] = field.value;
    });
    try { sessionStorage.setItem(draftKey(form), JSON.stringify(data)); } catch (e) { /* full or off */ }
  });

  document.addEventListener("submit", function (event) {
    try { sessionStorage.removeItem(draftKey(event.target)); } catch (e) { /* off */ }
  });

  function restore() {
    Array.prototype.forEach.call(document.querySelectorAll("form[method=post]"), function (form) {
      var saved;
      try { saved = JSON.parse(sessionStorage.getItem(draftKey(form)) || "null"); } catch (e) { saved = null; }
      if (!saved) return;
      Array.prototype.forEach.call(form.elements, function (field) {
        if (!keepable(field) || !(field.name in saved)) return;
        if (field.type === "checkbox" || field.type === "radio") {
          field.checked = field.value === saved[field.name];
        } else if (!field.value || field.tagName === "SELECT") {
          field.value = saved[field.name];
        }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", restore);
  document.addEventListener("htmx:after:swap", restore);

  if (synth) synth.addEventListener("voiceschanged", setup);
  document.addEventListener("DOMContentLoaded", setup);
  document.addEventListener("htmx:after:swap", function () {
    if (synth) synth.cancel();
    setup();
  });
})();
