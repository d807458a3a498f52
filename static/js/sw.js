/* What it keeps, and why nothing else: see offline_views.py. */
importScripts(LINLI.queue);
const SHELL = "linli-shell-" + LINLI.version;
const TASKS = "linli-tasks";
const pages = () => LINLI.pages.map((url) => new Request(url, { headers: { [LINLI.header]: "1" } }));
const any = { ignoreVary: true };

self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(SHELL).then((c) => c.addAll([...LINLI.shell, ...pages()])).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (e) => {
  const old = (keys) => keys.filter((k) => k !== SHELL && k !== TASKS);
  e.waitUntil(caches.keys().then((keys) => Promise.all(old(keys).map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});

let again = 0; /* the shell's pages in the language or text size just chosen */
self.addEventListener("fetch", (e) => {
  const r = e.request;
  const { origin, pathname: path } = new URL(r.url);
  if (origin !== location.origin) return;
  if (r.method === "POST") {
    if (LINLI.forget.includes(path)) e.waitUntil(caches.delete(TASKS));
    if (LINLI.prefs.includes(path)) again = 1;
    return;
  }
  if (r.method !== "GET") return;
  e.respondWith(
    fetch(r).then(
      (res) => {
        if (again && r.mode === "navigate") {
          again = 0;
          e.waitUntil(caches.open(SHELL).then((c) => c.addAll(pages())).catch(() => 0));
        }
        return res;
      },
      () =>
        caches
          .match(r, any)
          .then((hit) => hit || (r.mode === "navigate" ? caches.match(LINLI.offline, any) : Response.error()))
    )
  );
});

self.addEventListener("sync", (e) => {
  if (e.tag === "linli-queue") e.waitUntil(linliQueue.flush().then((out) => out.waits && Promise.reject(out)));
});

self.addEventListener("message", (e) => {
  const urls = e.data && e.data.keep;
  if (!urls) return;
  const stale = (keys) => keys.filter((k) => !urls.includes(new URL(k.url).pathname));
  e.waitUntil(
    caches.open(TASKS).then((c) =>
      c.addAll(urls).then(() => c.keys()).then((keys) => Promise.all(stale(keys).map((k) => c.delete(k))))
    )
  );
});
