/* Every page works without this. Part 1: the offline queue (sw.js imports it), slow-link manners. */
(function (g) {
  "use strict";
  const TAG = "linli-queue";
  const store = (mode, act) =>
    new Promise((ok, no) => {
      const open = indexedDB.open("linli", 1);
      open.onupgradeneeded = () => open.result.createObjectStore("q", { keyPath: "key" });
      open.onerror = () => no(open.error);
      open.onsuccess = () => {
        const t = open.result.transaction("q", mode);
        const asked = act(t.objectStore("q"));
        t.oncomplete = () => ok(asked && asked.result);
        t.onerror = t.onabort = () => no(t.error);
      };
    });
  const locked = (run) => (navigator.locks ? navigator.locks.request(TAG, run) : run());

  const Q = (g.linliQueue = {
    all: () => store("readonly", (s) => s.getAll()),
    put: (rec) => store("readwrite", (s) => void s.put(rec)),
    drop: (key) => store("readwrite", (s) => void (key ? s.delete(key) : s.clear())),
    /* a fresh token: the page may be days old; a 4xx (a field to fix) waits for its person */
    async send(rec, post) {
      const t = await fetch(rec.token);
      if (!t.ok) throw t;
      const body = new FormData();
      rec.fields.concat(rec.files).forEach((f) => body.append(...f));
      body.set("csrf_token", (await t.json()).token);
      const r = await post(rec.url, { method: "POST", body, headers: { Accept: "application/json" } });
      if (r.ok) {
        const done = await r.json();
        await Q.drop(rec.key);
        return done;
      }
      if (r.status < 500 && r.status !== 429) await Q.put({ ...rec, bad: r.status });
      throw r;
    },
    flush: () =>
      locked(async () => {
        const out = { sent: [], left: 0, waits: 0 };
        for (const rec of await Q.all()) {
          try {
            if (rec.bad) throw 0;
            out.sent.push(await Q.send(rec, fetch));
          } catch (r) {
            out.left++;
            if (!rec.bad && !(r.status < 500 && r.status !== 429)) out.waits++;
          }
        }
        return out;
      }),
  });
  if (!g.document) return;

  const doc = document;
  const $ = (css) => doc.querySelector(css);
  const word = (name, n, s) => ($("#net").dataset[name] || "").replace("{n}", n).replace("{s}", s);
  function say(text, actions, bar) {
    const box = $("#net");
    box.textContent = "";
    box.hidden = !text;
    box.append(text);
    if (bar != null) box.append(Object.assign(doc.createElement("progress"), { max: 100, value: bar }));
    for (const a of actions || []) {
      const b = Object.assign(doc.createElement(a.href ? "a" : "button"), { className: "btn btn-secondary", textContent: a.label });
      a.href ? (b.href = a.href) : Object.assign(b, { type: "button", onclick: a.run });
      box.append(b);
    }
  }

  /* fetch has no upload progress; gives up when nothing moves for 30 s */
  const xfetch = (url, init) =>
    new Promise((ok, no) => {
      const x = new XMLHttpRequest();
      const start = Date.now();
      let stall, shown;
      const wait = () => (clearTimeout(stall), (stall = setTimeout(() => x.abort(), 30000)));
      x.open(init.method, url);
      for (const h in init.headers) x.setRequestHeader(h, init.headers[h]);
      x.upload.onprogress = (e) => {
        wait();
        const pct = Math.floor((100 * e.loaded) / e.total);
        if (pct === shown) return;
        shown = pct;
        say(word("up", pct, Math.ceil(((e.total - e.loaded) * (Date.now() - start)) / e.loaded / 1000)), 0, pct);
      };
      x.onprogress = wait;
      x.onload = () => {
        clearTimeout(stall);
        const headers = x.getAllResponseHeaders().trim().split(/\r?\n/).map((l) => l.split(/: ?(.*)/, 2));
        const r = new Response(x.responseText, { status: x.status, headers });
        ok(Object.defineProperty(r, "url", { value: x.responseURL }));
      };
      x.onerror = x.onabort = () => no(new TypeError("network"), clearTimeout(stall));
      if (init.signal) init.signal.onabort = () => x.abort();
      wait();
      x.send(init.body);
    });

  let slow;
  doc.addEventListener("htmx:before:request", (e) => {
    const ctx = e.detail.ctx;
    /* up a 50 kbit/s link only what the server reads */
    const r = ctx.request;
    for (const k of ["Source", "Current-URL", "Target", "Boosted"]) delete r.headers["HX-" + k];
    if (r.method == "GET") delete r.headers["X-CSRFToken"];
    ctx.busy = [...(ctx.sourceElement?.closest?.("form")?.querySelectorAll("button:enabled") || [])];
    ctx.busy.forEach((b) => (b.disabled = true));
    slow = setTimeout(() => say(word("busy")), 600);
    const body = ctx.request.body;
    if (body instanceof FormData && [...body.values()].some((v) => v.size)) {
      clearTimeout(ctx.requestTimeout);
      ctx.fetch = xfetch;
    }
  });
  function failed(ctx, kind) {
    const el = ctx.sourceElement;
    ctx.failed = 1;
    say(word(kind), [{ label: word("retry"), run: () => (say(""), el.requestSubmit ? el.requestSubmit(el.last) : el.click()) }]);
  }
  /* A 5xx page would replace what was typed. */
  doc.addEventListener("htmx:after:request", (e) => {
    if (e.detail.ctx.response.status >= 500) e.preventDefault(), failed(e.detail.ctx, "broken");
  });
  doc.addEventListener("htmx:error", (e) => e.detail.ctx && failed(e.detail.ctx, "fail"));
  doc.addEventListener("htmx:finally:request", (e) => {
    clearTimeout(slow);
    (e.detail.ctx.busy || []).forEach((b) => (b.disabled = false));
    if (!e.detail.ctx.failed) say("");
  });

  doc.addEventListener(
    "submit",
    (e) => {
      const form = e.target;
      form.last = e.submitter;
      if (e.defaultPrevented || !g.indexedDB) return;
      if (form.hasAttribute("data-logout")) {
        e.preventDefault();
        e.stopPropagation();
        const out = () => (g.caches ? caches.delete("linli-tasks") : Promise.resolve()).finally(() => form.submit());
        Q.all().then((list) => (list.length ? waiting(list.length, out) : out()), out);
      }
      if (!form.hasAttribute("data-queue")) return;
      e.preventDefault();
      e.stopPropagation();
      const rec = { key: form.elements.key.value, url: form.action, token: form.dataset.token, fields: [], files: [] };
      new FormData(form).forEach((v, k) => {
        if (v.size) rec.files.push([k, v, v.name]);
        else if (v.substr && k !== "csrf_token") rec.fields.push([k, v]);
      });
      /* app.js's copy of the typed text: this form is sent or kept now */
      sessionStorage.removeItem("linli:" + location.pathname + ":" + form.getAttribute("action"));
      Q.put(rec).then(() => now(rec, form), () => form.submit());
    },
    true
  );

  function now(rec, form) {
    const buttons = [...form.querySelectorAll("button")];
    const on = (yes) => buttons.forEach((b) => (b.disabled = !yes));
    on(0);
    return locked(() => Q.send(rec, xfetch)).then(
      (done) => location.assign(done.url),
      async (r) => {
        on(1);
        if (!(r.status < 500 && r.status !== 429)) return kept(form);
        const page = new DOMParser().parseFromString(await r.text(), "text/html");
        Q.drop(rec.key);
        if (r.status !== 422) return say(page.querySelector("main").innerText);
        $("#main").replaceWith(page.getElementById("main"));
        const files = new DataTransfer();
        rec.files.forEach((f) => files.items.add(f[1]));
        $("form[data-queue] input[type=file]").files = files.files;
        $(".error-summary").focus();
      }
    );
  }

  function kept(form) {
    say("");
    form.reset();
    freshKey();
    $("#saved").hidden = false;
    $("#saved").focus();
    if (navigator.serviceWorker) navigator.serviceWorker.ready.then((r) => r.sync.register(TAG)).catch(() => 0);
  }

  function waiting(n, then) {
    const sending = () => (say(word("sending")), Q.flush().then((r) => (r.left ? waiting(r.left, then) : then ? then() : sent(r))));
    say(word("waiting", n), [
      { label: word("send"), run: sending },
      { label: word("discard"), run: () => Q.drop().then(then || (() => say(""))) },
    ]);
  }
  const sent = (r) => say(word("sent"), r.sent.map((done) => ({ label: word("see"), href: done.url })));

  function flushPage() {
    Q.all().then((list) => {
      const fix = list.find((rec) => rec.bad);
      const form = $("form[data-queue]");
      if (fix) form ? now(fix, form) : say(word("fix"), [{ label: word("open"), href: $("#net").dataset.quick }]);
      else if (list.length && !navigator.onLine) waiting(list.length);
      else if (list.length) Q.flush().then((r) => (r.sent.length ? sent(r) : waiting(r.left)));
    });
  }

  /* A cached form's key would be every report's. */
  const freshKey = () => $("form[data-queue]") && ($("form[data-queue]").elements.key.value = crypto.randomUUID());

  function setup() {
    freshKey();
    if (g.indexedDB) flushPage();
    const keep = $("[data-offline]");
    if (keep && navigator.serviceWorker) {
      const urls = [location.pathname, ...[...keep.querySelectorAll("a")].map((a) => a.pathname)];
      navigator.serviceWorker.ready.then((r) => r.active.postMessage({ keep: urls }));
    }
  }
  const box = $("#net");
  if (box && navigator.serviceWorker) navigator.serviceWorker.register(box.dataset.sw, { scope: box.dataset.scope, updateViaCache: "all" }).catch(() => 0);
  g.addEventListener("online", () => g.indexedDB && flushPage());
  doc.addEventListener("htmx:after:swap", setup);
  if (box) setup();
})(self);

/* Part 2: read aloud, location, photos shrunk, typing kept. */
(() => {
  "use strict";
  if (!self.document) return; /* the service worker */
  const doc = document, synth = window.speechSynthesis;
  const all = (selector) => doc.querySelectorAll(selector);
  const on = (name, handler, capture) => doc.addEventListener(name, handler, capture);
  const onPage = (handler) => { on("DOMContentLoaded", handler); on("htmx:after:swap", handler); };
  const speechLang = () => (doc.documentElement.lang === "en" ? "en" : "zh");
  const hasVoice = () =>
    !!synth && !!window.SpeechSynthesisUtterance &&
    synth.getVoices().some((v) => v.lang.toLowerCase().startsWith(speechLang()));

  /* The read-aloud button is shown only where the phone can speak the page's language. */
  function setup() {
    const button = doc.getElementById("read-aloud");
    if (button) button.hidden = !hasVoice();
    const summary = doc.querySelector(".error-summary");
    if (summary) summary.focus();
    /* Without JavaScript, 大字 / English send the step's form so the server keeps the typing;
       with it, the tab keeps it (below) and the switches send only themselves. */
    all("[data-keep]").forEach((b) => { b.removeAttribute("form"); b.removeAttribute("formaction"); });
  }

  on("click", (event) => {
    const button = event.target.closest("#read-aloud");
    if (!button) return;
    if (synth.speaking) { synth.cancel(); return; }
    const utterance = new SpeechSynthesisUtterance(doc.getElementById("main").innerText);
    utterance.lang = speechLang() === "en" ? "en-GB" : "zh-CN";
    utterance.rate = 0.9;
    const label = button.textContent;
    button.textContent = button.dataset.stop;
    utterance.onend = utterance.onerror = () => { button.textContent = label; };
    synth.speak(utterance);
  });

  /* Optional GPS: asked for only when the resident taps the button; never required. */
  on("click", (event) => {
    const button = event.target.closest("#locate");
    if (!button || !navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        const lat = pos.coords.latitude.toFixed(6), lng = pos.coords.longitude.toFixed(6);
        doc.getElementById("lat").value = lat;
        doc.getElementById("lng").value = lng;
        button.textContent = button.dataset.done;
        /* The nearest grid is chosen for them and named; the select stays theirs to change. */
        const said = doc.getElementById("located");
        fetch(`${button.dataset.nearest}?lat=${lat}&lng=${lng}`, { headers: { Accept: "application/json" } })
          .then((r) => r.json())
          .then((found) => {
            const select = doc.getElementById("grid");
            if (found.grid && select) {
              select.value = String(found.grid);
              select.dispatchEvent(new Event("input", { bubbles: true }));
            }
            if (said) said.textContent = found.text;
          })
          .catch(() => 0);
      },
      () => { button.textContent = button.dataset.fail; },
      { timeout: 15000, maximumAge: 600000 }
    );
  });

  /* Large camera photos are shrunk on the phone before upload (the server re-encodes anyway). */
  const MAX_SIDE = 1600;
  const shrink = (file) => new Promise((resolve) => {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || file.size < 500000 || !window.createImageBitmap) {
      resolve(file);
      return;
    }
    createImageBitmap(file).then((bitmap) => {
      const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      const canvas = doc.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      canvas.toBlob((blob) => {
        resolve(blob ? new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", { type: "image/jpeg" }) : file);
      }, "image/jpeg", 0.8);
    }, () => resolve(file));
  });

  const shrinking = new Map(); /* file input → the promise of its shrunk files */
  on("change", (event) => {
    const input = event.target;
    if (input.type !== "file" || !window.DataTransfer) return;
    const done = Promise.all([...input.files].map(shrink)).then((files) => {
      const list = new DataTransfer();
      files.forEach((f) => list.items.add(f));
      input.files = list.files;
    }).catch(() => { /* the originals go; the server shrinks them */ }).then(() => {
      if (shrinking.get(input) === done) shrinking.delete(input);
    });
    shrinking.set(input, done);
  });

  /* A quick tap on "upload" waits for the shrink: otherwise the 3 MB original goes over 2G.
     Capture phase, so htmx (listening on the form) sees only the submit sent after the wait. */
  on("submit", (event) => {
    const form = event.target;
    const waits = [...shrinking].filter(([input]) => input.form === form).map(([, done]) => done);
    if (!waits.length) return;
    event.preventDefault();
    event.stopPropagation();
    const button = event.submitter;
    if (button) { button.disabled = true; button.setAttribute("aria-busy", "true"); }
    Promise.all(waits).then(() => {
      if (button) { button.disabled = false; button.removeAttribute("aria-busy"); }
      form.requestSubmit(button || undefined);
    });
  }, true);

  onPage(() => {
    const geo = doc.querySelector(".geo");
    if (geo && navigator.geolocation) geo.hidden = false;
  });

  /* What a person types is kept in this tab until the form is sent, so a dropped link, a reload
     or a tap on 大字 / English loses nothing. Passwords, files and hidden fields are never kept. */
  const draftKey = (form) => `linli:${location.pathname}:${form.getAttribute("action") || ""}`;
  const keepable = (field) =>
    field.name && field.name !== "csrf_token" && !/^(password|file|hidden|submit)$/.test(field.type);
  const ticked = (field) => field.type === "checkbox" || field.type === "radio";

  on("input", (event) => {
    const form = event.target.form;
    if (!form || form.method.toLowerCase() !== "post" || !keepable(event.target)) return;
    const data = {};
    for (const field of form.elements) {
      if (keepable(field) && (!ticked(field) || field.checked)) data[field.name] = field.value;
    }
    try { sessionStorage.setItem(draftKey(form), JSON.stringify(data)); } catch (e) { /* full or off */ }
  });

  on("submit", (event) => {
    try { sessionStorage.removeItem(draftKey(event.target)); } catch (e) { /* off */ }
  });

  onPage(() => {
    for (const form of all("form[method=post]")) {
      let saved;
      try { saved = JSON.parse(sessionStorage.getItem(draftKey(form)) || "null"); } catch (e) { saved = null; }
      if (!saved) continue;
      for (const field of form.elements) {
        if (!keepable(field) || !(field.name in saved)) continue;
        if (ticked(field)) field.checked = field.value === saved[field.name];
        else if (!field.value || field.tagName === "SELECT") field.value = saved[field.name];
      }
    }
  });

  if (synth) synth.addEventListener("voiceschanged", setup);
  on("DOMContentLoaded", setup);
  on("htmx:after:swap", () => {
    if (synth) synth.cancel();
    setup();
  });
})();
