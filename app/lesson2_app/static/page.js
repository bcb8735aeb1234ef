// The page's look and behaviour, shared by both deployments: the server app (app.js asks
// /api/predict) and the static page that `lesson2 export --web` writes (web.js runs the model
// in the browser). Take an image (picked, dropped, pasted or an example), show it, ask `answer`,
// and draw the label (or "none of these") and one bar per class.
//
//   import { startPage } from "./page.js";
//   startPage({ answer, examples });
//   // answer(blob, name) -> Promise of {label, probs, in_domain, ood_score, seconds};
//   //   it throws an Error whose message the page shows (say, "not an image: ...")
//   // examples() -> Promise of [{label, url}]: pictures to try, [] for none
const $ = (id) => document.getElementById(id);

export function setStatus(text, isError = false) {
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

function showAnswer(body) {
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
}

function firstImage(items) {
  for (const item of items || []) {
    const file = item.getAsFile ? (item.kind === "file" ? item.getAsFile() : null) : item;
    if (file && file.type.startsWith("image/")) return file;
  }
  return null;
}

async function showExamples(examples, classify) {
  const found = await examples().catch(() => []);
  if (!found.length) return;
  const list = $("example-list");
  for (const { label, url } of found) {
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

export function startPage({ answer, examples = async () => [] }) {
  async function classify(blob, name) {
    showPreview(blob);
    $("result").setAttribute("aria-busy", "true");
    $("label").hidden = true;
    $("bars").replaceChildren();
    $("timing").textContent = "";
    setStatus(`Classifying ${name}…`);
    try {
      showAnswer(await answer(blob, name));
    } catch (err) {
      setStatus(err.message, true);
    } finally {
      $("result").setAttribute("aria-busy", "false");
    }
  }

  function takeFiles(files) {
    const file = firstImage(files);
    if (file) classify(file, file.name || "pasted image");
    else if (files && files.length) setStatus("That is not an image: choose a JPEG, PNG, GIF or WebP.", true);
  }

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
  showExamples(examples, classify);
}
