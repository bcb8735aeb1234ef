// The server app's page: page.js draws it; the answers come from POST /api/predict.
import { startPage } from "./page.js";

async function answer(blob, name) {
  const form = new FormData();
  form.append("file", blob, name);
  let response;
  try {
    response = await fetch("/api/predict", { method: "POST", body: form });
  } catch (err) {
    throw new Error(`Could not reach the server (${err.message}): is it still running?`);
  }
  const body = await response.json().catch(() => ({ error: `the server answered ${response.status}` }));
  if (!response.ok) throw new Error(body.error || `the server answered ${response.status}`);
  return body;
}

async function examples() {
  const response = await fetch("/api/examples");
  return response.ok ? (await response.json()).examples : [];
}

document.getElementById("origin").textContent = location.origin;
startPage({ answer, examples });
