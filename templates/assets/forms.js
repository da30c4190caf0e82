// Keeps what a user typed when the server refuses a form (a text over its length limit, a
// closed round, a stale page …). Every POST form's typed fields are kept in this tab's
// sessionStorage when it is submitted; the error page marks that a refusal happened, and the
// form page, when opened again from it, puts the kept values back into fields that are empty
// and says so. Passwords, hidden fields and files are never kept; nothing leaves the browser,
// and sessionStorage is gone when the tab is closed.
(function () {
  "use strict";
  var PREFIX = "pingcha.typed:";
  var FLAG = "pingcha.refused";
  var KEEP_MS = 30 * 60 * 1000;

  function store() {
    try {
      return window.sessionStorage;
    } catch (e) {
      return null;
    }
  }

  function keyOf(form) {
    var action = form.getAttribute("action") || window.location.pathname;
    try {
      return PREFIX + new URL(action, window.location.href).pathname;
    } catch (e) {
      return PREFIX + action;
    }
  }

  function keptFields(form) {
    var fields = [];
    var elements = form.elements;
    for (var i = 0; i < elements.length; i++) {
      var el = elements[i];
      if (!el.name || el.disabled) continue;
      var tag = el.tagName.toLowerCase();
      var type = (el.getAttribute("type") || "").toLowerCase();
      if (tag === "textarea" || tag === "select") {
        fields.push(el);
      } else if (tag === "input" && ["", "text", "number", "date", "search", "email", "tel", "url"].indexOf(type) >= 0) {
        fields.push(el);
      }
    }
    return fields;
  }

  function save(form) {
    var s = store();
    if (!s || form.hasAttribute("data-no-keep")) return;
    var values = {};
    var any = false;
    keptFields(form).forEach(function (el) {
      if (el.value !== "") {
        values[el.name] = el.value;
        any = true;
      }
    });
    if (!any) return;
    try {
      s.setItem(keyOf(form), JSON.stringify({ at: Date.now(), values: values }));
    } catch (e) {
      // Storage full or refused: the form is sent all the same.
    }
  }

  function restore() {
    var s = store();
    if (!s) return;
    var flag = Number(s.getItem(FLAG) || 0);
    if (!flag || Date.now() - flag > KEEP_MS) return;
    s.removeItem(FLAG);
    var forms = document.querySelectorAll("form");
    for (var i = 0; i < forms.length; i++) {
      var form = forms[i];
      if ((form.getAttribute("method") || "").toLowerCase() !== "post") continue;
      var raw = s.getItem(keyOf(form));
      if (!raw) continue;
      var kept;
      try {
        kept = JSON.parse(raw);
      } catch (e) {
        continue;
      }
      if (!kept || !kept.values || Date.now() - kept.at > KEEP_MS) continue;
      var restored = 0;
      keptFields(form).forEach(function (el) {
        var value = kept.values[el.name];
        if (value === undefined || value === el.defaultValue) return;
        if (el.value === value) {
          // The browser put it back itself (history navigation).
          restored++;
        } else if (el.value === "" || el.value === el.defaultValue) {
          el.value = value;
          restored++;
        }
      });
      s.removeItem(keyOf(form));
      if (restored > 0) {
        var note = document.createElement("p");
        note.className = "alert alert-warn restored-note";
        note.setAttribute("role", "status");
        note.textContent = "已恢复您上次提交时填写的内容，请按提示修改后重新提交。";
        form.insertBefore(note, form.firstChild);
      }
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form && form.tagName && form.tagName.toLowerCase() === "form" &&
        (form.getAttribute("method") || "").toLowerCase() === "post") {
      save(form);
    }
  }, true);

  function onLoad() {
    var refused = document.querySelector("[data-form-refused]");
    if (refused) {
      var s = store();
      if (s) s.setItem(FLAG, String(Date.now()));
      var back = document.querySelectorAll("[data-back]");
      for (var i = 0; i < back.length; i++) {
        back[i].addEventListener("click", function (event) {
          if (window.history.length > 1) {
            event.preventDefault();
            window.history.back();
          }
        });
      }
      return;
    }
    restore();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", onLoad);
  } else {
    onLoad();
  }
  // A page brought back from the back-forward cache runs no load handlers.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) restore();
  });
})();
