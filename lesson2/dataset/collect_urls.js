/*
 * collect_urls.js: save the full-size image URLs of an image search results page to a file.
 *
 * Open a Google, Bing or DuckDuckGo Images results page, scroll down until enough pictures
 * are loaded, then paste this whole file into the browser console (F12, Console tab) and
 * press Enter, or click the bookmarklet made by
 *     python -m lesson2.dataset.snippet --bookmarklet collect_urls.html
 * The browser downloads urls_<query>.txt: one URL per line, ready for
 * lesson2.dataset.urlfile.read_urls and lesson2.dataset.download.download_images.
 *
 * Search engines change their markup often, so no single CSS class is trusted. Strategies,
 * tried in this order and combined (duplicates dropped, first seen kept):
 *   "embedded data"    URLs in the page's own data: inline scripts (Google's
 *                      ["https://...", height, width] arrays, "murl"/"ou"/"image" keys) and
 *                      JSON attributes (Bing's a.iusc m='{"murl": ...}')
 *   "link parameters"  originals wrapped in links and proxies (imgurl=, mediaurl=, DuckDuckGo's
 *                      external-content proxy u=) and links straight to image files
 *   "data attributes"  data-ou, data-murl, data-src and friends
 *   "thumbnails"       img src, only when nothing else was found: small previews
 * Outside the last resort, the engines' own hosts (thumbnail servers) are dropped. Elements of
 * the page's own chrome (header, navigation, footer, Google's account bar) are never read: a
 * signed-in user's avatar is not a search result.
 *
 * Evaluating this file returns {urls, strategy, counts, filename, message} and leaves
 * window.lesson2Snippet.collectImageUrls(doc), which collects without downloading.
 */
(() => {
  "use strict";

  // JSON keys whose string value is an original image URL (Bing, old Google, DuckDuckGo, schema.org).
  const URL_KEYS = new Set(["murl", "ou", "imgurl", "mediaurl", "image", "contentUrl"]);
  // Link query parameters that wrap an original image URL.
  const WRAPPING_PARAMS = ["imgurl", "mediaurl", "img_url", "imageurl"];
  // Image proxies: host -> the query parameter that holds the proxied original.
  const PROXIES = { "external-content.duckduckgo.com": "u" };
  const DATA_ATTRIBUTES = [
    "data-ou", "data-murl", "data-iurl", "data-src", "data-original", "data-full-src",
    "data-lazy-src", "data-url",
  ];
  // The engines' own hosts: logos, sprites and thumbnails, never the original picture.
  const ENGINE_HOSTS = [
    /(^|\.)gstatic\.com$/, /(^|\.)google(\.[a-z]{2,3}){1,2}$/, /(^|\.)bing\.(com|net)$/,
    /(^|\.)duckduckgo\.com$/,
  ];
  // The page's own chrome: landmarks, and Google's account bar (#gb) with the user's avatar.
  const CHROME = "header, nav, footer, [role='banner'], [role='navigation'], " +
    "[role='contentinfo'], #gb, #gbar";
  const isChrome = (element) => element.closest(CHROME) !== null;
  const IMAGE_FILE = /\.(jpe?g|png|gif|webp|bmp|avif|tiff?)$/i;
  const SCRIPT_ARRAY = /\["(https?:(?:[^"\\]|\\.)+)",\s*\d+,\s*\d+\]/g;
  const SCRIPT_KEY = /"(?:murl|ou|imgurl|mediaurl|image|contentUrl)"\s*:\s*"((?:[^"\\]|\\.)+)"/g;
  // A backslash escape inside a script string: \u003d, \x26, \/, \", \\.
  const ESCAPE = /\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|["\/\\])/g;
  const ENTITIES = { amp: "&", quot: "\"", apos: "'", lt: "<", gt: ">", equals: "=", sol: "/" };
  const NOTICE_ID = "lesson2-notice";

  const fromCode = (code, base) => String.fromCodePoint(parseInt(code, base));

  /** Undo JavaScript string escapes (\u003d, \x26, \/) and HTML entities, even nested ones. */
  function decodeText(text) {
    let out = text;
    for (let pass = 0; pass < 3; pass += 1) {
      const next = out
        .replace(ESCAPE, (_, code) => (code.length > 1 ? fromCode(code.slice(1), 16) : code))
        .replace(/&#x([0-9a-fA-F]+);/g, (_, hex) => fromCode(hex, 16))
        .replace(/&#(\d+);/g, (_, dec) => fromCode(dec, 10))
        .replace(/&([a-zA-Z]+);/g, (whole, name) => ENTITIES[name.toLowerCase()] ?? whole);
      if (next === out) {
        break;
      }
      out = next;
    }
    return out;
  }

  /** new URL(text, base), or null when the text is not a URL at all. */
  function tryUrl(text, base) {
    try {
      return new URL(text, base);
    } catch (error) {
      if (error instanceof TypeError) {
        return null;
      }
      throw error;
    }
  }

  /** An absolute URL object for `raw` (entities and escapes undone), or null. */
  function parseUrl(raw, base) {
    const text = decodeText(String(raw)).trim();
    return text ? tryUrl(text, base) : null;
  }

  /** The original a link or proxy URL wraps (imgurl=, mediaurl=, proxy u=), or null. */
  function unwrap(url) {
    for (const name of WRAPPING_PARAMS) {
      if (url.searchParams.get(name)) {
        return url.searchParams.get(name);
      }
    }
    const param = PROXIES[url.hostname];
    return (param && url.searchParams.get(param)) || null;
  }

  const isEngineHost = (host, pageHost) =>
    host === pageHost || ENGINE_HOSTS.some((pattern) => pattern.test(host));

  /** Inline scripts: Google's [url, height, width] arrays and "murl"-style keys. */
  function fromScripts(doc) {
    const found = [];
    for (const script of doc.querySelectorAll("script:not([src])")) {
      const text = script.textContent;
      const hits = [SCRIPT_ARRAY, SCRIPT_KEY].flatMap((pattern) => [...text.matchAll(pattern)]);
      // Both patterns scan the same text: keep the page's order.
      hits.sort((a, b) => a.index - b.index);
      found.push(...hits.map((hit) => hit[1]));
    }
    return found;
  }

  /** String values under URL_KEYS anywhere inside parsed JSON. */
  function urlsInJson(value, found = [], depth = 0) {
    if (depth > 20 || value === null || typeof value !== "object") {
      return found;
    }
    for (const [key, item] of Object.entries(value)) {
      if (typeof item === "string" && URL_KEYS.has(key)) {
        found.push(item);
      } else {
        urlsInJson(item, found, depth + 1);
      }
    }
    return found;
  }

  /** JSON kept in attributes (Bing's m="{...}") or in hidden text (Google's old .rg_meta). */
  function fromJsonAttributes(doc) {
    const found = [];
    const tryJson = (text) => {
      const trimmed = text.trim();
      if (!trimmed.startsWith("{") || !trimmed.endsWith("}")) {
        return;
      }
      try {
        urlsInJson(JSON.parse(trimmed), found);
      } catch (error) {
        if (!(error instanceof SyntaxError)) {
          throw error;
        }
        // Braces that are not JSON (CSS, templates): nothing to collect here.
      }
    };
    for (const element of doc.querySelectorAll("body *")) {
      if (isChrome(element)) {
        continue;
      }
      for (const attribute of element.attributes) {
        tryJson(attribute.value);
      }
      const isLeaf = element.childElementCount === 0;
      if (isLeaf && !["SCRIPT", "STYLE"].includes(element.tagName)) {
        tryJson(element.textContent);
      }
    }
    return found;
  }

  const fromEmbeddedData = (doc) => [...fromScripts(doc), ...fromJsonAttributes(doc)];

  /** Originals wrapped in links and proxied images, and links straight to image files. */
  function fromLinks(doc) {
    const found = [];
    for (const element of doc.querySelectorAll("a[href], area[href], img[src]")) {
      if (isChrome(element)) {
        continue;
      }
      const url = parseUrl(element.getAttribute(element.hasAttribute("href") ? "href" : "src"),
        doc.baseURI);
      if (!url) {
        continue;
      }
      const inner = unwrap(url);
      if (inner) {
        found.push(inner);
      } else if (element.hasAttribute("href") && IMAGE_FILE.test(url.pathname)) {
        found.push(url.href);
      }
    }
    return found;
  }

  /** Values of data attributes that pages use for lazy loading and metadata. */
  function fromDataAttributes(doc) {
    const found = [];
    const selector = DATA_ATTRIBUTES.map((name) => "[" + name + "]").join(", ");
    for (const element of doc.querySelectorAll(selector)) {
      if (isChrome(element)) {
        continue;
      }
      for (const name of DATA_ATTRIBUTES) {
        const url = element.hasAttribute(name) && parseUrl(element.getAttribute(name), doc.baseURI);
        if (url) {
          found.push(unwrap(url) || url.href);
        }
      }
    }
    return found;
  }

  /** Last resort: whatever the img elements show, thumbnails included. */
  function fromThumbnails(doc) {
    const found = [];
    for (const img of doc.querySelectorAll("img")) {
      if (isChrome(img)) {
        continue;
      }
      found.push(img.getAttribute("src") || img.getAttribute("data-src") || "");
    }
    return found;
  }

  const STRATEGIES = [
    ["embedded data", fromEmbeddedData],
    ["link parameters", fromLinks],
    ["data attributes", fromDataAttributes],
  ];

  /** Collect image URLs from `doc` without downloading anything: {urls, strategy, counts}. */
  function collectImageUrls(doc = document) {
    const pageHost = tryUrl(doc.baseURI)?.hostname ?? "";
    const urls = [];
    const seen = new Set();
    const counts = {};
    const keep = (name, candidates, engineHostsToo) => {
      counts[name] = 0;
      for (const candidate of candidates) {
        const url = parseUrl(candidate, doc.baseURI);
        const ok = url && (url.protocol === "http:" || url.protocol === "https:") &&
          (engineHostsToo || !isEngineHost(url.hostname, pageHost));
        if (ok && !seen.has(url.href)) {
          seen.add(url.href);
          urls.push(url.href);
          counts[name] += 1;
        }
      }
    };
    for (const [name, strategy] of STRATEGIES) {
      keep(name, strategy(doc), false);
    }
    if (urls.length === 0) {
      keep("thumbnails", fromThumbnails(doc), true);
    }
    const used = Object.keys(counts).filter((name) => counts[name] > 0);
    return { urls, strategy: used.length ? used.join(" + ") : "none", counts };
  }

  /** The search query of a results page: ?q= in its address, else the search box. */
  function searchQuery(doc) {
    const fromAddress = tryUrl(doc.URL)?.searchParams.get("q");
    const box = doc.querySelector("input[name='q'], textarea[name='q']");
    return fromAddress || (box && box.value) || "";
  }

  /** urls_<query>.txt with the query reduced to a-z, 0-9 and underscores. */
  function fileName(query) {
    const slug = query.normalize("NFKD").toLowerCase().replace(/[^a-z0-9]+/g, "_")
      .slice(0, 60).replace(/^_+|_+$/g, "");
    return "urls_" + (slug || "images") + ".txt";
  }

  /** Save `text` through a Blob and a temporary <a download>: no pop-up for blockers to stop. */
  function download(text, filename, doc) {
    const href = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
    const link = doc.createElement("a");
    link.href = href;
    link.download = filename;
    link.style.display = "none";
    (doc.body || doc.documentElement).appendChild(link);
    link.click();
    link.remove();
    // Revoking at once can cancel the download in some browsers.
    setTimeout(() => URL.revokeObjectURL(href), 60000);
  }

  /** A small notice in the page's top right corner for a few seconds. */
  function showNotice(message, doc) {
    doc.getElementById(NOTICE_ID)?.remove();
    const notice = doc.createElement("div");
    notice.id = NOTICE_ID;
    notice.setAttribute("role", "status");
    notice.textContent = message;
    notice.style.cssText = "position:fixed;top:12px;right:12px;z-index:2147483647;" +
      "max-width:420px;padding:10px 14px;border-radius:6px;background:#1f2937;color:#fff;" +
      "font:14px/1.4 sans-serif;box-shadow:0 2px 12px rgba(0,0,0,.35)";
    (doc.body || doc.documentElement).appendChild(notice);
    setTimeout(() => notice.remove(), 8000);
  }

  /** Collect, save the file, and tell the user what happened. */
  function run(doc = document) {
    const result = collectImageUrls(doc);
    const count = result.urls.length;
    let filename = null;
    let message;
    if (count === 0) {
      message = "lesson2: found no image URLs on this page. Open an image results page " +
        "(Google, Bing or DuckDuckGo Images), scroll until pictures show, and run this again.";
    } else {
      filename = fileName(searchQuery(doc));
      download(result.urls.join("\n") + "\n", filename, doc);
      message = "lesson2: saved " + count + " image URLs to " + filename + " (from " +
        result.strategy + ").";
      if (result.strategy === "thumbnails") {
        message += " Only thumbnails were found: small previews, not the full-size pictures.";
      }
    }
    console.log(message, result.counts);
    showNotice(message, doc);
    return { ...result, filename, message };
  }

  globalThis.lesson2Snippet = { collectImageUrls, fileName, run };
  return run(document);
})();
