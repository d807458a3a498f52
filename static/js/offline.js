/* The offline queue (sw.js imports it) and slow-link manners: see offline_views.py. */
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
