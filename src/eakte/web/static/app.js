// Small progressive enhancements; every page works without this file.
"use strict";

// Drag and drop upload with live status: files are sent with the page's CSRF token, then the
// case page reloads to show them with their processing state.
function enhanceUpload(form) {
  const input = form.querySelector("input[type=file]");
  const status = form.querySelector(".upload-status");
  const send = async (files) => {
    if (!files.length) return;
    const body = new FormData();
    body.append("csrf", form.querySelector("input[name=csrf]").value);
    for (const file of files) body.append("dateien", file);
    status.textContent = `${files.length} Datei(en) werden abgelegt …`;
    try {
      const response = await fetch(form.action, {
        method: "POST", body, headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      if (!response.ok) {
        const text = await response.text();
        const match = text.match(/role="alert">([^<]*)</);
        status.textContent = "Nicht abgelegt: " + (match ? match[1] : response.statusText);
        return;
      }
      const data = await response.json();
      const added = data.documents.filter((d) => !d.duplicate).length;
      status.textContent = `${added} Dokument(e) abgelegt.`;
      window.location.reload();
    } catch (error) {
      status.textContent = "Die Verbindung ist unterbrochen; bitte noch einmal versuchen.";
    }
  };
  ["dragenter", "dragover"].forEach((name) => form.addEventListener(name, (event) => {
    event.preventDefault();
    form.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((name) => form.addEventListener(name, () => form.classList.remove("over")));
  form.addEventListener("drop", (event) => {
    event.preventDefault();
    send(Array.from(event.dataTransfer.files));
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send(Array.from(input.files));
  });
}

// Search as you type: fetch the results part of the search page after a short pause.
function enhanceSearch(form) {
  const input = form.querySelector("input[name=q]");
  let timer = null;
  let latest = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const query = input.value.trim();
      if (query.length < 3) return;
      const ticket = ++latest;
      const response = await fetch("/suche?q=" + encodeURIComponent(query), { credentials: "same-origin" });
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.getElementById("results");
      const current = document.getElementById("results");
      if (ticket === latest && fresh && current) {
        current.replaceWith(fresh);
        history.replaceState(null, "", "/suche?q=" + encodeURIComponent(query));
      }
    }, 350);
  });
}

// Live processing status on the case page: while documents wait for OCR, ask the server for
// their state every few seconds and update the badges in place.
function watchProcessing(table) {
  const badges = () => table.querySelectorAll(".badge.state-awaiting_ocr[data-doc]");
  if (!badges().length) return;
  let delay = 3000;
  const poll = async () => {
    try {
      const response = await fetch(table.dataset.status, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) return;
      const data = await response.json();
      for (const doc of data.documents) {
        const badge = table.querySelector(`.badge[data-doc="${doc.id}"]`);
        if (!badge) continue;
        badge.className = `badge state-${doc.state}`;
        badge.textContent = doc.label;
      }
      if (!data.pending) return;
    } catch (error) {
      delay = Math.min(delay * 2, 60000);
    }
    setTimeout(poll, delay);
  };
  setTimeout(poll, delay);
}

document.addEventListener("DOMContentLoaded", () => {
  const documents = document.querySelector("table[data-status]");
  if (documents) watchProcessing(documents);
  const upload = document.getElementById("upload");
  if (upload) enhanceUpload(upload);
  const search = document.querySelector("form.searchform");
  if (search) enhanceSearch(search);
});
