// The score form's behaviour.
// - Running total: every change is sent to the server, which scores the answers with the
//   same engine it uses on submission, so the number shown is the real one.
// - Autosave: a short pause after typing saves the draft under the sheet's version guard; the
//   new version replaces the form's, so the next save or the submission is not stale. A
//   conflict (another tab or person saved first) stops autosaving and says so; what the
//   reviewer typed stays on the page.
// - Ctrl+S (⌘S) saves the draft at once.
(function () {
  var form = document.getElementById("sheet");
  if (!form) { return; }
  var total = document.getElementById("total");
  var grade = document.getElementById("grade");
  var problems = document.getElementById("problems");
  var status = document.getElementById("autosave");
  var version = form.querySelector("input[name=version]");
  var editable = form.dataset.editable === "true";
  var previewTimer = null;
  var saveTimer = null;
  var saving = null;
  var dirty = false;
  var stopped = false;

  function body() { return new URLSearchParams(new FormData(form)).toString(); }
  function post(url) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: body(),
      credentials: "same-origin"
    });
  }
  function show(text, kind) {
    if (!status) { return; }
    status.textContent = text;
    status.className = "autosave" + (kind ? " autosave-" + kind : "");
  }
  function refresh() {
    post(form.dataset.preview).then(function (response) { return response.json(); }).then(function (result) {
      total.textContent = result.total === null || result.total === undefined ? "—" : result.total;
      grade.textContent = result.grade || "—";
      problems.textContent = (result.problems || []).join("；") || (result.message || "");
    }).catch(function () { problems.textContent = "暂时无法计算得分，请检查网络。"; });
  }
  function save() {
    clearTimeout(saveTimer);
    if (!editable || stopped || !dirty) { return saving || Promise.resolve(); }
    if (saving) { return saving.then(save); }
    dirty = false;
    show("正在保存…", "busy");
    saving = post(form.dataset.autosave).then(function (response) {
      return response.json().then(function (result) {
        if (response.ok) {
          version.value = result.version;
          var now = new Date();
          var pad = function (n) { return (n < 10 ? "0" : "") + n; };
          show("草稿已自动保存（第 " + result.version + " 版，" + pad(now.getHours()) + ":" +
            pad(now.getMinutes()) + ":" + pad(now.getSeconds()) + "）", "ok");
        } else if (response.status === 409) {
          stopped = true;
          show(result.message || "保存冲突：评分表已被更新。", "error");
        } else {
          dirty = true;
          show("未能自动保存：" + (result.message || "请检查填写内容"), "error");
        }
      });
    }).catch(function () {
      dirty = true;
      show("未能自动保存（网络问题），稍后将重试。", "error");
    }).then(function () { saving = null; });
    return saving;
  }
  form.addEventListener("input", function () {
    dirty = true;
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refresh, 250);
    if (editable && !stopped) {
      show("有未保存的修改", "busy");
      clearTimeout(saveTimer);
      saveTimer = setTimeout(save, 1500);
    }
  });
  // A submission waits for a save in flight, so it carries the newest version.
  // The submission itself carries everything typed, so leaving the page then is no loss.
  form.addEventListener("submit", function (event) {
    clearTimeout(saveTimer);
    if (saving) {
      event.preventDefault();
      var submitter = event.submitter;
      saving.then(function () { form.requestSubmit(submitter); });
      return;
    }
    dirty = false;
  });
  // A common reason picked from an item's list is added to its reason box.
  form.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.classList || !select.classList.contains("suggest") || !select.value) { return; }
    var box = form.querySelector("textarea[name='" + select.dataset.for + "']");
    if (box) {
      box.value = box.value.trim() ? box.value.trim() + "；" + select.value : select.value;
      box.dispatchEvent(new Event("input", { bubbles: true }));
      box.focus();
    }
    select.value = "";
  });
  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && (event.key === "s" || event.key === "S")) {
      event.preventDefault();
      dirty = true;
      save();
    }
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && editable && !stopped) { event.preventDefault(); }
  });
})();
