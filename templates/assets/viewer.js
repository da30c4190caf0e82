// The electronic case file (电子卷宗) viewer: the standalone page and the pane beside the
// score form share it.
// - The manifest (`data-manifest`) lists the file's documents, their pages numbered across
//   the case file, the catalogue (卷内目录) and the watermark text.
// - PDFs are read with pdf.js (vendored under /assets/pdfjs/, no eval, module worker from this
//   site) by HTTP range requests: only the bytes of the pages shown are fetched, so the first
//   page of a 300-page scan appears without downloading the file. Images are one page each.
// - Every page is drawn with the watermark (viewer's name, unit and time) into the same
//   canvas, so no element can be hidden to remove it.
// - `#page=N` opens page N; citations elsewhere link here that way. Beside the score form,
//   "引用本页" adds the page shown to the citation field of the row last focused.
import * as pdfjs from "/assets/pdfjs/pdf.min.mjs";

pdfjs.GlobalWorkerOptions.workerSrc = "/assets/pdfjs/pdf.worker.min.mjs";

const root = document.getElementById("case-viewer");
if (root) { start(root); }

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) { node.className = className; }
  if (text !== undefined) { node.textContent = text; }
  return node;
}

// "3,5-7" and "第3、5–7页" alike, into sorted merged [from, to] pairs.
function parseCitation(text) {
  const ranges = [];
  const cleaned = String(text || "").replace(/[第页\s]/g, "").replace(/[－–—~～至]/g, "-");
  for (const part of cleaned.split(/[,，、;；]/)) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) { continue; }
    const from = Number(match[1]);
    const to = match[2] ? Number(match[2]) : from;
    if (from >= 1 && to >= from) { ranges.push([from, to]); }
  }
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last && range[0] <= last[1] + 1) { last[1] = Math.max(last[1], range[1]); } else { merged.push(range.slice()); }
  }
  return merged;
}

function formatCitation(ranges) {
  return ranges.map((r) => (r[0] === r[1] ? String(r[0]) : r[0] + "-" + r[1])).join(",");
}

async function start(root) {
  const status = el("p", "viewer-status", "正在打开电子卷宗…");
  root.append(status);
  let manifest;
  try {
    const response = await fetch(root.dataset.manifest, { credentials: "same-origin" });
    if (!response.ok) {
      status.textContent = response.status === 404 ? "本案卷尚未上传电子卷宗。" : "无法打开电子卷宗（" + response.status + "）。";
      return;
    }
    manifest = await response.json();
  } catch (error) {
    status.textContent = "无法打开电子卷宗，请检查网络。";
    return;
  }
  status.remove();
  const split = root.closest(".sheet-split");
  if (split) { split.classList.add("with-viewer"); }
  new Viewer(root, manifest).open(pageFromHash() || 1);
}

function pageFromHash() {
  const match = /page=(\d+)/.exec(window.location.hash);
  return match ? Number(match[1]) : null;
}

class Viewer {
  constructor(root, manifest) {
    this.root = root;
    this.manifest = manifest;
    this.total = manifest.pages || 0;
    this.page = 1;
    this.zoom = 1;
    this.rotation = 0;
    this.pdfs = new Map();
    this.texts = new Map();
    this.renderSerial = 0;
    this.citeTarget = null;
    this.build();
  }

  build() {
    const m = this.manifest;
    const bar = el("div", "viewer-bar");
    this.prev = el("button", "", "上一页");
    this.next = el("button", "", "下一页");
    this.number = el("input", "short");
    this.number.type = "number";
    this.number.min = "1";
    this.number.max = String(this.total);
    this.number.setAttribute("aria-label", "页码");
    const of = el("span", "muted", "/ " + this.total + " 页");
    const zoomOut = el("button", "", "缩小");
    const zoomIn = el("button", "", "放大");
    const rotate = el("button", "", "旋转");
    this.search = el("input", "viewer-search");
    this.search.type = "search";
    this.search.placeholder = "搜索文字";
    this.search.setAttribute("aria-label", "搜索卷宗文字");
    bar.append(this.prev, this.number, of, this.next, zoomOut, zoomIn, rotate, this.search);
    if (this.root.dataset.cite === "true") {
      this.cite = el("button", "primary", "引用本页");
      this.cite.id = "cite-page";
      this.cite.title = "把当前页加入最近点击的扣分项的卷宗页码";
      bar.append(this.cite);
      this.cite.addEventListener("click", () => this.citeCurrent());
    }
    if (this.root.dataset.standalone !== "true") {
      const open = el("a", "viewer-open", "新窗口打开");
      open.href = this.root.dataset.page || "#";
      open.target = "_blank";
      open.rel = "noopener";
      this.openLink = open;
      bar.append(open);
    }

    const side = el("nav", "viewer-side");
    side.setAttribute("aria-label", "卷内目录");
    const catalogueTitle = el("h3", "", "卷内目录");
    this.catalogue = el("ol", "viewer-catalogue");
    for (const entry of m.catalogue || []) {
      const item = el("li");
      const link = el("a", "", entry.title);
      link.href = "#page=" + entry.from;
      link.dataset.page = String(entry.from);
      const pages = entry.from === entry.to ? "第" + entry.from + "页" : "第" + entry.from + "–" + entry.to + "页";
      item.append(link, el("small", "muted", " " + pages + (entry.date ? " · " + entry.date : "")));
      this.catalogue.append(item);
    }
    if (!(m.catalogue || []).length) { this.catalogue.append(el("li", "muted", "（无目录）")); }
    this.results = el("ol", "viewer-results");
    this.thumbs = el("div", "viewer-thumbs");
    side.append(catalogueTitle, this.catalogue, this.results, el("h3", "", "缩略图"), this.thumbs);

    this.stage = el("div", "viewer-stage");
    this.canvas = el("canvas", "viewer-canvas");
    this.canvas.setAttribute("role", "img");
    this.stage.append(this.canvas);
    this.caption = el("p", "viewer-caption muted");

    const body = el("div", "viewer-body");
    body.append(side, this.stage);
    this.root.append(bar, this.caption, body);

    this.prev.addEventListener("click", () => this.open(this.page - 1));
    this.next.addEventListener("click", () => this.open(this.page + 1));
    this.number.addEventListener("change", () => this.open(Number(this.number.value)));
    zoomIn.addEventListener("click", () => { this.zoom = Math.min(4, this.zoom * 1.25); this.render(); });
    zoomOut.addEventListener("click", () => { this.zoom = Math.max(0.25, this.zoom / 1.25); this.render(); });
    rotate.addEventListener("click", () => { this.rotation = (this.rotation + 90) % 360; this.render(); });
    this.search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); this.find(this.search.value.trim()); }
    });
    side.addEventListener("click", (event) => {
      const target = event.target.closest("[data-page]");
      if (!target) { return; }
      event.preventDefault();
      this.open(Number(target.dataset.page));
    });
    window.addEventListener("hashchange", () => { const page = pageFromHash(); if (page) { this.open(page); } });
    document.addEventListener("click", (event) => {
      const link = event.target.closest && event.target.closest("a[data-cite-page]");
      if (!link || this.root.dataset.standalone === "true") { return; }
      event.preventDefault();
      this.open(Number(link.dataset.citePage));
    });
    const form = document.getElementById("sheet");
    if (form) {
      form.addEventListener("focusin", (event) => {
        if (event.target.matches("input[data-citation]")) {
          const first = parseCitation(event.target.value)[0];
          if (first) { this.open(first[0]); }
        }
        const row = event.target.closest("tr");
        const field = row && row.querySelector("input[data-citation]");
        if (field) {
          if (this.citeTarget && this.citeTarget !== row) { this.citeTarget.classList.remove("citing"); }
          this.citeTarget = row;
          row.classList.add("citing");
        }
      });
    }
    this.buildThumbs();
  }

  // Which document holds a page of the case file, and the page within it.
  locate(page) {
    for (const doc of this.manifest.documents || []) {
      if (page >= doc.first_page && page < doc.first_page + doc.pages) {
        return { doc, local: page - doc.first_page + 1 };
      }
    }
    return null;
  }

  pdf(doc) {
    if (!this.pdfs.has(doc.id)) {
      this.pdfs.set(doc.id, pdfjs.getDocument({
        url: doc.url,
        withCredentials: true,
        disableAutoFetch: true,
        disableStream: true,
        rangeChunkSize: 65536,
        isEvalSupported: false,
        enableXfa: false,
      }).promise);
    }
    return this.pdfs.get(doc.id);
  }

  image(doc) {
    if (!this.pdfs.has(doc.id)) {
      this.pdfs.set(doc.id, new Promise((resolve, reject) => {
        const image = new Image();
        image.onload = () => resolve(image);
        image.onerror = reject;
        image.src = doc.url;
      }));
    }
    return this.pdfs.get(doc.id);
  }

  title(page) {
    let title = "";
    for (const entry of this.manifest.catalogue || []) {
      if (page >= entry.from && page <= entry.to) { title = entry.title; }
    }
    return title;
  }

  open(page) {
    if (!Number.isFinite(page) || page < 1 || page > this.total) { return; }
    this.page = page;
    this.number.value = String(page);
    this.prev.disabled = page <= 1;
    this.next.disabled = page >= this.total;
    const title = this.title(page);
    this.caption.textContent = "第" + page + "页" + (title ? "《" + title + "》" : "");
    this.canvas.setAttribute("aria-label", this.caption.textContent);
    if (this.openLink) { this.openLink.href = (this.root.dataset.page || "") + "#page=" + page; }
    for (const link of this.catalogue.querySelectorAll("a[data-page]")) {
      link.classList.toggle("active", this.title(page) === link.textContent && Number(link.dataset.page) <= page);
    }
    for (const thumb of this.thumbs.children) {
      thumb.classList.toggle("active", Number(thumb.dataset.page) === page);
    }
    this.render();
  }

  async render() {
    const serial = ++this.renderSerial;
    const found = this.locate(this.page);
    if (!found) { return; }
    const width = Math.max(320, this.stage.clientWidth - 32);
    try {
      const drawn = await this.draw(found, width * this.zoom, this.rotation);
      if (serial !== this.renderSerial) { return; }
      this.canvas.width = drawn.width;
      this.canvas.height = drawn.height;
      this.canvas.getContext("2d").drawImage(drawn, 0, 0);
      this.canvas.style.width = Math.round(drawn.width / (window.devicePixelRatio || 1)) + "px";
      this.root.dataset.shown = String(this.page);
    } catch (error) {
      if (serial === this.renderSerial) { this.caption.textContent = "第" + this.page + "页无法显示。"; }
    }
  }

  // One page drawn at a width (CSS pixels) onto a fresh canvas, watermark included.
  async draw(found, width, rotation) {
    const ratio = window.devicePixelRatio || 1;
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d");
    if (found.doc.media_type === "application/pdf") {
      const pdf = await this.pdf(found.doc);
      const page = await pdf.getPage(found.local);
      const base = page.getViewport({ scale: 1, rotation: (page.rotate + rotation) % 360 });
      const viewport = page.getViewport({ scale: (width / base.width) * ratio, rotation: (page.rotate + rotation) % 360 });
      canvas.width = Math.floor(viewport.width);
      canvas.height = Math.floor(viewport.height);
      await page.render({ canvasContext: context, viewport, canvas }).promise;
    } else {
      const image = await this.image(found.doc);
      const turned = rotation % 180 !== 0;
      const w = turned ? image.naturalHeight : image.naturalWidth;
      const h = turned ? image.naturalWidth : image.naturalHeight;
      const scale = (width / w) * ratio;
      canvas.width = Math.floor(w * scale);
      canvas.height = Math.floor(h * scale);
      context.translate(canvas.width / 2, canvas.height / 2);
      context.rotate((rotation * Math.PI) / 180);
      context.drawImage(image, (-image.naturalWidth * scale) / 2, (-image.naturalHeight * scale) / 2,
        image.naturalWidth * scale, image.naturalHeight * scale);
      context.setTransform(1, 0, 0, 1, 0, 0);
    }
    this.watermark(context, canvas.width, canvas.height);
    return canvas;
  }

  watermark(context, width, height) {
    const text = this.manifest.watermark || "";
    if (!text) { return; }
    const size = Math.max(12, Math.round(width / 40));
    context.save();
    context.font = size + "px sans-serif";
    context.fillStyle = "rgba(180, 30, 30, 0.16)";
    context.translate(width / 2, height / 2);
    context.rotate(-Math.PI / 6);
    const step = context.measureText(text).width + size * 4;
    const diagonal = Math.hypot(width, height);
    for (let y = -diagonal / 2; y < diagonal / 2; y += size * 6) {
      const offset = (Math.round(y / (size * 6)) % 2) * step / 2;
      for (let x = -diagonal / 2 - offset; x < diagonal / 2; x += step) {
        context.fillText(text, x, y);
      }
    }
    context.restore();
  }

  // Thumbnails are drawn when they scroll into view, so a 300-page file costs nothing upfront.
  buildThumbs() {
    const observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) { continue; }
        observer.unobserve(entry.target);
        const page = Number(entry.target.dataset.page);
        const found = this.locate(page);
        if (!found) { continue; }
        this.draw(found, 96, 0).then((drawn) => {
          const canvas = entry.target.querySelector("canvas");
          canvas.width = drawn.width;
          canvas.height = drawn.height;
          canvas.getContext("2d").drawImage(drawn, 0, 0);
        }).catch(() => {});
      }
    }, { root: this.thumbs });
    for (let page = 1; page <= this.total; page += 1) {
      const thumb = el("button", "viewer-thumb");
      thumb.type = "button";
      thumb.dataset.page = String(page);
      thumb.setAttribute("aria-label", "第" + page + "页");
      thumb.append(el("canvas"), el("span", "", String(page)));
      this.thumbs.append(thumb);
      observer.observe(thumb);
    }
  }

  // Text search over the PDFs' text layers; scanned pages without text never match.
  async find(query) {
    this.results.textContent = "";
    if (!query) { return; }
    const searching = el("li", "muted", "正在搜索…");
    this.results.append(searching);
    const hits = [];
    for (const doc of this.manifest.documents || []) {
      if (doc.media_type !== "application/pdf") { continue; }
      const pdf = await this.pdf(doc);
      for (let local = 1; local <= doc.pages; local += 1) {
        const key = doc.id + ":" + local;
        if (!this.texts.has(key)) {
          const page = await pdf.getPage(local);
          const content = await page.getTextContent();
          this.texts.set(key, content.items.map((item) => item.str || "").join(""));
        }
        if (this.texts.get(key).includes(query)) { hits.push(doc.first_page + local - 1); }
      }
    }
    searching.remove();
    if (!hits.length) { this.results.append(el("li", "muted", "未找到“" + query + "”（扫描页没有文字层）")); return; }
    for (const page of hits) {
      const item = el("li");
      const link = el("a", "", "第" + page + "页" + (this.title(page) ? "《" + this.title(page) + "》" : ""));
      link.href = "#page=" + page;
      link.dataset.page = String(page);
      item.append(link);
      this.results.append(item);
    }
    this.open(hits[0]);
  }

  // Adds the page shown to the citation of the row last focused (or the first deduction).
  citeCurrent() {
    const form = document.getElementById("sheet");
    if (!form) { return; }
    const row = this.citeTarget || form.querySelector("tr input[data-citation]").closest("tr");
    const field = row && row.querySelector("input[data-citation]");
    if (!field) { return; }
    const ranges = parseCitation(field.value);
    ranges.push([this.page, this.page]);
    field.value = formatCitation(parseCitation(formatCitation(ranges)));
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }
}
