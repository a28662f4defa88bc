// The service worker: once the app has been opened online, it opens with no network.
// Network first for everything it keeps (so a new build is picked up at once), the
// cached copy when the network fails. Report data never goes through here: the app keeps
// it in its own storage and syncs it itself.
const CACHE = "tuanle-v1";
const SHELL = [
  "/index.html",
  "/boot.js",
  "/style.css",
  "/pkg/tuanle_app.js",
  "/pkg/tuanle_app_bg.wasm",
  "/manifest.webmanifest",
  "/icon.svg",
  "/api/v1/forms",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) {
    if (url.pathname.startsWith("/api/v1/forms")) event.respondWith(networkFirst(request));
    return;
  }
  // Every page of the app is index.html: the app routes on the client.
  event.respondWith(networkFirst(request, request.mode === "navigate" ? "/index.html" : undefined));
});

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(key || request, response.clone());
    return response;
  } catch (error) {
    const hit = await cache.match(key || request);
    if (hit) return hit;
    throw error;
  }
}
