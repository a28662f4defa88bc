// The service worker: the app opens from this device at once, online or not, on a
// working, stalled or absent network. Report data never goes through here: the app
// keeps it in its own storage and syncs it itself.
//
// One build, one cache. `scripts/lib.sh` (build_app) writes the build's id and its
// content-hashed files in place of the __NAMES__, so a new build is a new worker with
// a new cache: it installs next to the running one, and is taken when the person agrees
// (the page posts "take-update") or at the next cold start. The page of one build is
// only ever given that build's files.
const BUILD = "__BUILD__";
const CACHE = `tuanle-${BUILD}`;
const SHELL = __SHELL__;

// A device that had opened the supervisors' or administrators' bundle gets this build's
// copy of it at install too, so that it still opens with no network after an update.
// The reporters' tools are not listed: their pages need the network, and they are fetched
// again when next opened.
const BUNDLES = __BUNDLES__;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(SHELL);
      const used = await usedBundles();
      await Promise.all(
        BUNDLES.filter((b) => used.has(b.name)).map((b) =>
          Promise.all([
            // Kept even when the download fails, so the next build tries again.
            cache.put(new Request(`/__used/${b.name}`), new Response("")),
            cache.addAll(b.files).catch(() => {}),
          ]),
        ),
      );
    })(),
  );
});

// The bundles ("pkg-supervisor", "pkg-admin", "pkg-tools") that an earlier build's cache
// holds, or marks as used.
async function usedBundles() {
  const used = new Set();
  for (const key of await caches.keys()) {
    if (!key.startsWith("tuanle-") || key === CACHE) continue;
    const cache = await caches.open(key);
    for (const request of await cache.keys()) {
      const parts = new URL(request.url).pathname.split("/");
      const folder = parts[1] === "__used" ? parts[2] : parts[1];
      if (folder && folder.startsWith("pkg-")) used.add(folder);
    }
  }
  return used;
}

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "take-update") self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys.filter((k) => k.startsWith("tuanle-") && k !== CACHE).map((k) => caches.delete(k)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname === "/sw.js" || url.pathname === "/healthz") {
    return;
  }
  // Every page of the app is this build's index.html: the app routes on the client.
  event.respondWith(cacheFirst(event, request.mode === "navigate" ? "/index.html" : request));
});

// From this build's cache, never waiting on the network; what is not there yet (the
// tools', supervisors' or administrators' bundle, fetched on demand) is fetched once and kept,
// as it streams to the page (whose loading screen counts its bytes), not before.
async function cacheFirst(event, request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) event.waitUntil(cache.put(request, response.clone()).catch(() => {}));
  return response;
}
