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

  if (synth) synth.addEventListener("voiceschanged", setup);
  document.addEventListener("DOMContentLoaded", setup);
  document.addEventListener("htmx:after:swap", function () {
    if (synth) synth.cancel();
    setup();
  });
})();
