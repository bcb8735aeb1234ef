// The page's behaviour: take an image (picked, dropped, pasted or an example), show it,
// POST it to /api/predict, and draw the label (or "none of these") and one bar per class.
"use strict";

const $ = (id) => document.getElementById(id);

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", isError);
}

function showPreview(blob) {
  const preview = $("preview");
  if (preview.src) URL.revokeObjectURL(preview.src);
  preview.src = URL.createObjectURL(blob);
  preview.alt = "the picture being classified";
  preview.hidden = false;
  $("hint").hidden = true;
}

function showBars(probs, label) {
  const bars = $("bars");
  bars.replaceChildren();
  const sorted = Object.entries(probs).sort((a, b) => b[1] - a[1]);
  for (const [name, p] of sorted) {
    const pct = (100 * p).toFixed(1);
    const li = document.createElement("li");
    li.className = "bar" + (name === label ? " top" : "");
    li.dataset.label = name;
    li.innerHTML = '<span class="name"></span><span class="track"><span class="fill"></span></span>' +
      '<span class="pct"></span>';
    li.querySelector(".name").textContent = name;
    li.querySelector(".fill").style.width = pct + "%";
    li.querySelector(".pct").textContent = pct + "%";
    li.setAttribute("aria-label", `${name}: ${pct} percent`);
    bars.append(li);
  }
}

async function classify(blob, name) {
  showPreview(blob);
  $("result").setAttribute("aria-busy", "true");
  $("label").hidden = true;
  $("bars").replaceChildren();
  $("timing").textContent = "";
  setStatus(`Classifying ${name}…`);
  const form = new FormData();
  form.append("file", blob, name);
  try {
    const response = await fetch("/api/predict", { method: "POST", body: form });
    const body = await response.json().catch(() => ({ error: `the server answered ${response.status}` }));
    if (!response.ok) {
      setStatus(body.error || `the server answered ${response.status}`, true);
      return;
    }
    if (body.in_domain === false) {
      // The features are far from every class seen in training: no confident label.
      setStatus(`This does not look like any of: ${Object.keys(body.probs).join(", ")}.`);
      $("result").classList.add("unknown");
      $("label").hidden = true;
    } else {
      setStatus("This looks like:");
      $("result").classList.remove("unknown");
      $("label").textContent = body.label;
      $("label").hidden = false;
    }
    showBars(body.probs, body.in_domain === false ? null : body.label);
    $("timing").textContent = `answered in ${(1000 * body.seconds).toFixed(0)} ms`;
  } catch (err) {
    setStatus(`Could not reach the server (${err.message}): is it still running?`, true);
  } finally {
    $("result").setAttribute("aria-busy", "false");
  }
}

function firstImage(items) {
  for (const item of items || []) {
    const file = item.getAsFile ? (item.kind === "file" ? item.getAsFile() : null) : item;
    if (file && file.type.startsWith("image/")) return file;
  }
  return null;
}

function takeFiles(files) {
  const file = firstImage(files);
  if (file) classify(file, file.name || "pasted image");
  else if (files && files.length) setStatus("That is not an image: choose a JPEG, PNG, GIF or WebP.", true);
}

async function loadExamples() {
  const response = await fetch("/api/examples");
  if (!response.ok) return;
  const { examples } = await response.json();
  if (!examples.length) return;
  const list = $("example-list");
  for (const { label, url } of examples) {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.title = `an example from the ${label} folder`;
    const img = document.createElement("img");
    img.src = url;
    img.alt = `example: ${label}`;
    button.append(img);
    button.addEventListener("click", async () => {
      const blob = await (await fetch(url)).blob();
      classify(blob, `example ${label}`);
    });
    li.append(button);
    list.append(li);
  }
  $("examples").hidden = false;
}

function setUp() {
  const drop = $("drop");
  $("file").addEventListener("change", (e) => takeFiles(e.target.files));
  drop.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); $("file").click(); }
  });
  for (const type of ["dragenter", "dragover"]) {
    drop.addEventListener(type, (e) => { e.preventDefault(); drop.classList.add("over"); });
  }
  for (const type of ["dragleave", "drop"]) {
    drop.addEventListener(type, () => drop.classList.remove("over"));
  }
  drop.addEventListener("drop", (e) => { e.preventDefault(); takeFiles(e.dataTransfer.files); });
  document.addEventListener("paste", (e) => takeFiles(e.clipboardData && e.clipboardData.items));
  drop.tabIndex = 0;
  $("origin").textContent = location.origin;
  loadExamples();
}

setUp();
