// The static page: the model runs in this browser with ONNX Runtime Web, and the picture never
// leaves it. page.js (shared with the server app) draws the page; this file answers.
//
//   await window.lesson2.ready                // the site's manifest, once the model can answer
//   await window.lesson2.classify(blob)       // {label, probs, in_domain, ood_score, seconds}
//   await window.lesson2.preprocess(blob)     // Float32Array: the model's input (1, 3, h, w)
//   await window.lesson2.preprocess(blob, recipe)   // the same for another Recipe (a dict)
//
// The out-of-domain score is an output of the model itself (`ood_score`, computed inside the
// ONNX graph), compared with the threshold stored beside the labels, as the server app does.
import * as ort from "./ort/ort.wasm.bundle.min.js";
import { setStatus, startPage } from "./page.js";
import { PictureError, decode, toInput } from "./preprocess.js";

// Static hosts such as GitHub Pages send no cross-origin isolation headers, so the browser gives
// no SharedArrayBuffer: one thread, and the runtime then needs no worker.
ort.env.wasm.numThreads = 1;
// the WebAssembly binary beside the bundle (whose JavaScript loader is built in)
ort.env.wasm.wasmPaths = { wasm: new URL("./ort/ort-wasm-simd-threaded.wasm", import.meta.url).href };

async function get(url, as) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: the server answered ${response.status}`);
  return response[as]();
}

// both downloads start at once, while the runtime's WebAssembly compiles
const siteFile = get("lesson2-site.json", "json");
const modelFile = get("model.onnx", "arrayBuffer");

async function load() {
  const [site, bytes] = await Promise.all([siteFile, modelFile]);
  const session = await ort.InferenceSession.create(new Uint8Array(bytes), {
    executionProviders: ["wasm"],
    graphOptimizationLevel: "all",
    freeDimensionOverrides: { n: 1 }, // one picture a run: a fixed shape plans memory once
    // int8 weights become float32 once, at load, instead of at every run
    extra: { session: { disable_quant_qdq: "1" } },
  });
  // the first run allocates the runtime's buffers: do it now, not on the visitor's picture
  const [w, h] = site.lesson2.preprocess.size;
  const zeros = new ort.Tensor("float32", new Float32Array(3 * h * w), [1, 3, h, w]);
  await session.run({ [site.input]: zeros });
  return { site, session };
}

const ready = load();
let queue = Promise.resolve(); // one run at a time: a session runs one call at a time

async function preprocess(blob, recipe = null) {
  const { site } = await ready;
  return toInput(await decode(blob), recipe || site.lesson2.preprocess);
}

async function run(blob) {
  const { site, session } = await ready;
  const start = performance.now();
  const meta = site.lesson2;
  const [w, h] = meta.preprocess.size;
  const x = toInput(await decode(blob), meta.preprocess);
  const out = await session.run({ [site.input]: new ort.Tensor("float32", x, [1, 3, h, w]) });
  const p = out[site.outputs[0]].data;
  const score = out[site.outputs[1]].data[0];
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i; // the first of equals, as argmax
  return {
    label: meta.labels[best],
    probs: Object.fromEntries(meta.labels.map((label, i) => [label, p[i]])),
    in_domain: score <= meta.ood.threshold,
    ood_score: score,
    seconds: (performance.now() - start) / 1000,
  };
}

function classify(blob) {
  const answer = queue.then(() => run(blob));
  queue = answer.catch(() => {});
  return answer;
}

window.lesson2 = { ready: ready.then(({ site }) => site), classify, preprocess, PictureError };

startPage({
  answer: (blob) => classify(blob),
  examples: async () => (await siteFile).examples,
});

ready.then(
  ({ site }) => {
    document.getElementById("runtime").textContent = site.runtime.version;
    document.getElementById("model-size").textContent = `(${(site.model_bytes / 2 ** 20).toFixed(1)} MB)`;
    if (document.getElementById("status").textContent === "Loading the model…") setStatus("No image yet.");
  },
  (err) => setStatus(`Could not load the model (${err.message}): reload the page.`, true),
);
