/* Comptoir agent console: queue, claim, live chat, hand back. No framework. */
(function () {
  "use strict";
  var csrf = null;
  var me = null;
  var selected = null;
  var tickets = [];
  var socket = null;
  var $ = function (id) {
    return document.getElementById(id);
  };

  function api(method, path, body) {
    var headers = { "Content-Type": "application/json" };
    if (csrf) headers["X-CSRF-Token"] = csrf;
    return fetch("/console/api" + path, {
      method: method,
      headers: headers,
      credentials: "same-origin",
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (response) {
      return response.json().then(function (data) {
        data.status = response.status;
        return data;
      });
    });
  }

  function minutes(seconds) {
    return seconds < 60 ? "< 1 min" : Math.floor(seconds / 60) + " min";
  }

  function beep() {
    try {
      var audio = new (window.AudioContext || window.webkitAudioContext)();
      var tone = audio.createOscillator();
      tone.frequency.value = 880;
      tone.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.15);
    } catch (e) {
      /* no sound available */
    }
  }

  function renderQueue() {
    var list = $("queue");
    list.textContent = "";
    var waiting = 0;
    tickets.forEach(function (t) {
      if (t.status === "waiting") waiting += 1;
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.dataset.ticket = t.id;
      if (selected && selected.id === t.id) button.setAttribute("aria-current", "true");
      var reason = document.createElement("strong");
      reason.textContent = "#" + t.id + " · " + t.reason;
      if (t.priority === "high") reason.className = "high";
      button.appendChild(reason);
      var meta = document.createElement("div");
      meta.className = "meta";
      meta.textContent =
        (t.status === "waiting" ? "en attente depuis " + minutes(t.waiting_s) : "pris par " + t.agent_name) +
        " · " + t.language.toUpperCase() + " · " + (t.summary.last_shopper_message || "");
      button.appendChild(meta);
      button.addEventListener("click", function () {
        open(t.id);
      });
      item.appendChild(button);
      list.appendChild(item);
    });
    document.title = (waiting ? "(" + waiting + ") " : "") + "Comptoir — console";
  }

  function loadQueue() {
    return api("GET", "/tickets").then(function (data) {
      if (data.status === 200) {
        tickets = data.tickets;
        renderQueue();
      }
    });
  }

  function addMessage(m) {
    var el = document.createElement("div");
    el.className = "msg " + m.sender;
    var who = m.sender === "agent" ? (m.custom && m.custom.agent_name) || "Conseiller" : m.sender === "bot" ? "Bot" : "Client";
    el.textContent = who + " : " + (m.custom && m.custom.label ? m.custom.label : m.text);
    $("transcript").appendChild(el);
    el.scrollIntoView({ block: "end" });
  }

  function renderOrder(order) {
    var box = $("order");
    box.textContent = "";
    if (!order) {
      box.textContent = "Aucune commande vérifiée.";
      return;
    }
    var dl = document.createElement("dl");
    function row(label, value) {
      var dt = document.createElement("dt");
      dt.textContent = label;
      var dd = document.createElement("dd");
      dd.textContent = value;
      dl.appendChild(dt);
      dl.appendChild(dd);
    }
    row("Numéro", order.number);
    row("Statut", order.status);
    row("E-mail", order.email);
    row("Livraison promise", order.promised_delivery);
    row("Articles", order.lines.map(function (l) { return l.qty + " × " + l.name; }).join(", "));
    row("Colis", order.shipments.map(function (s) { return s.carrier + " " + s.tracking_number; }).join(", ") || "—");
    row("Retours", order.returns.length ? "" : "—");
    box.appendChild(dl);
    order.returns.forEach(function (r) {
      // Move a return to its next state, right beside the chat.
      var form = document.createElement("form");
      var label = document.createElement("label");
      label.textContent = r.number + " (" + r.status + ") → ";
      var select = document.createElement("select");
      select.setAttribute("aria-label", "Nouveau statut de " + r.number);
      ["label_sent", "in_transit", "received", "inspected", "refunded", "exchanged", "repaired", "rejected"].forEach(function (status) {
        var option = document.createElement("option");
        option.value = option.textContent = status;
        select.appendChild(option);
      });
      var button = document.createElement("button");
      button.type = "submit";
      button.textContent = "Mettre à jour";
      form.appendChild(label);
      form.appendChild(select);
      form.appendChild(button);
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        api("POST", "/tickets/" + selected.id + "/returns/" + r.number + "/status", { status: select.value }).then(function (data) {
          if (data.status !== 200) alert(data.detail);
          open(selected.id);
        });
      });
      box.appendChild(form);
    });
  }

  function open(id) {
    return api("GET", "/tickets/" + id).then(function (data) {
      if (data.status !== 200) return;
      selected = data.ticket;
      var s = selected.summary;
      $("summary").textContent =
        "Motif : " + selected.reason + " · priorité " + selected.priority +
        " · commande " + (s.order_number || "—") + (s.order_verified ? " (vérifiée)" : "") +
        " · articles vus : " + ((s.articles_shown || []).join(", ") || "—") +
        " · retours : " + ((s.returns_opened || []).join(", ") || "—") +
        " · intentions : " + ((s.intents || []).join(", ") || "—") +
        " · étapes : " + ((s.steps || []).join(" → ") || "—");
      $("transcript").textContent = "";
      data.transcript.forEach(addMessage);
      renderOrder(data.order);
      var mine = selected.status === "claimed" && selected.agent_id === me.id;
      $("claim").hidden = selected.status !== "waiting";
      $("handback").hidden = !mine;
      $("resolve").hidden = !(mine || selected.status === "offline");
      $("reply").hidden = !mine;
      var notes = $("notes");
      notes.textContent = "";
      data.notes.forEach(function (n) {
        var li = document.createElement("li");
        li.textContent = n.agent_name + " : " + n.text;
        notes.appendChild(li);
      });
      if (selected.status === "offline") {
        $("summary").textContent += " · hors horaires : répondre à " + selected.contact_email + " — « " + selected.request + " »";
      }
      if (mine) loadCanned();
      renderQueue();
    });
  }

  function loadCanned() {
    api("GET", "/tickets/" + selected.id + "/canned").then(function (data) {
      var select = $("canned");
      select.length = 1;
      (data.replies || []).forEach(function (r) {
        var option = document.createElement("option");
        option.value = r.text;
        option.textContent = r.title;
        select.appendChild(option);
      });
    });
  }

  function connect() {
    var url = location.origin.replace(/^http/, "ws") + "/console/ws";
    socket = new WebSocket(url);
    socket.onopen = function () {
      // Whatever happened while the socket was down is fetched again.
      loadQueue();
      if (selected) open(selected.id);
    };
    socket.onmessage = function (event) {
      var frame = JSON.parse(event.data);
      if (frame.event === "ping") return;
      if (frame.event === "ticket_opened") beep();
      if (frame.event === "typing") {
        if (selected && frame.ticket_id === selected.id) {
          $("shopper-typing").hidden = false;
          clearTimeout(window.__typingTimer);
          window.__typingTimer = setTimeout(function () { $("shopper-typing").hidden = true; }, 4000);
        }
        return;
      }
      if (frame.event === "message") {
        if (selected && frame.ticket_id === selected.id) {
          addMessage(frame.message);
          $("shopper-typing").hidden = true;
        }
        return;
      }
      loadQueue().then(function () {
        if (selected && frame.ticket && frame.ticket.id === selected.id) open(selected.id);
      });
    };
    socket.onclose = function () {
      socket = null;
      if (me) setTimeout(connect, 2000);
    };
  }

  var DECISIONS = {
    answer: "Le bot répond avec cet article",
    clarify: "Le bot demande de choisir entre ces articles",
    none: "Le bot dit qu'il ne sait pas (et note la question ci-contre)",
  };

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function showPreview(data) {
    var out = $("preview-result");
    out.textContent = "";
    if (data.status !== 200) {
      out.textContent = data.detail || "Impossible de tester cette question.";
      return;
    }
    var decision = document.createElement("p");
    decision.className = "decision";
    decision.textContent = DECISIONS[data.decision] + (data.fallback_language ? " (article de l'autre langue)" : "") + ".";
    out.appendChild(decision);
    if (data.answer) {
      var answer = document.createElement("div");
      answer.id = "preview-answer";
      answer.textContent = data.answer.text + "\n\nSource : " + data.answer.title + " — " + data.answer.file;
      out.appendChild(answer);
    }
    var table = document.createElement("table");
    table.innerHTML = "<thead><tr><th scope=col>Article</th><th scope=col>Score</th><th scope=col>Sens</th><th scope=col>Mots</th></tr></thead>";
    var body = document.createElement("tbody");
    data.candidates.forEach(function (c) {
      var row = document.createElement("tr");
      cell(row, c.title + " (" + c.id + ")");
      cell(row, c.score.toFixed(3));
      cell(row, c.dense.toFixed(3));
      cell(row, c.lexical.toFixed(3));
      body.appendChild(row);
    });
    table.appendChild(body);
    out.appendChild(table);
    var meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent = data.articles + " articles en service.";
    out.appendChild(meta);
    data.problems.forEach(function (problem) {
      var p = document.createElement("p");
      p.setAttribute("role", "alert");
      p.textContent = "Article ignoré — " + problem;
      out.appendChild(p);
    });
  }

  function runPreview() {
    var question = $("preview-question").value.trim();
    if (!question) return;
    $("preview-result").textContent = "Recherche…";
    var query = "?q=" + encodeURIComponent(question) + "&lang=" + $("preview-lang").value;
    api("GET", "/editor/preview" + query).then(showPreview);
  }

  /* Rows of plain-text cells (never HTML: questions are what shoppers typed). */
  function fillTable(id, items, columns, extra) {
    var body = $(id);
    body.textContent = "";
    items.forEach(function (item) {
      var row = document.createElement("tr");
      columns.forEach(function (column) { cell(row, String(item[column])); });
      if (extra) cell(row, "").appendChild(extra(item));
      body.appendChild(row);
    });
  }

  function testButton(miss) {
    var test = document.createElement("button");
    test.type = "button";
    test.textContent = "Tester";
    test.setAttribute("aria-label", "Tester « " + miss.question + " »");
    test.addEventListener("click", function () {
      $("preview-question").value = miss.question;
      $("preview-lang").value = miss.language;
      runPreview();
    });
    return test;
  }

  function loadEditorLists() {
    api("GET", "/editor/misses").then(function (data) {
      fillTable("misses", data.misses || [], ["question", "language", "count"], testButton);
    });
    api("GET", "/editor/feedback").then(function (data) {
      fillTable("votes", data.articles || [], ["id", "up", "down"]);
    });
  }

  function startEditor() {
    $("editor").hidden = false;
    loadEditorLists();
    setInterval(loadEditorLists, 30000);
  }

  $("preview-form").addEventListener("submit", function (event) {
    event.preventDefault();
    runPreview();
  });

  function start(data) {
    me = data.agent;
    csrf = data.csrf;
    $("login").hidden = true;
    $("app").hidden = false;
    $("logout").hidden = false;
    $("who").textContent = me.display_name + " (" + me.role + ")";
    if (me.role === "editor" || me.role === "admin") startEditor();
    if (me.role !== "agent" && me.role !== "admin") {
      $("app").hidden = true;
      return;
    }
    loadQueue();
    connect();
    setInterval(loadQueue, 15000);
  }

  $("login").addEventListener("submit", function (event) {
    event.preventDefault();
    api("POST", "/login", { username: $("username").value, password: $("password").value }).then(function (data) {
      if (data.status === 200) start(data);
      else $("login-error").textContent = "Identifiant ou mot de passe incorrect.";
    });
  });
  $("logout").addEventListener("click", function () {
    api("POST", "/logout").then(function () {
      me = null;
      location.reload();
    });
  });
  $("claim").addEventListener("click", function () {
    api("POST", "/tickets/" + selected.id + "/claim").then(function (data) {
      if (data.status === 409) alert("Un autre conseiller a déjà pris cette conversation.");
      open(selected.id);
    });
  });
  $("handback").addEventListener("click", function () {
    api("POST", "/tickets/" + selected.id + "/hand-back").then(function () {
      open(selected.id);
      loadQueue();
    });
  });
  $("resolve").addEventListener("click", function () {
    api("POST", "/tickets/" + selected.id + "/resolve").then(function () {
      open(selected.id);
      loadQueue();
    });
  });
  $("canned").addEventListener("change", function () {
    if ($("canned").value) $("reply-text").value = $("canned").value;
    $("canned").selectedIndex = 0;
    $("reply-text").focus();
  });
  var typingSent = 0;
  $("reply-text").addEventListener("input", function () {
    if (Date.now() - typingSent < 3000) return;
    typingSent = Date.now();
    api("POST", "/tickets/" + selected.id + "/typing");
  });
  $("note-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("note-text").value.trim();
    if (!text || !selected) return;
    $("note-text").value = "";
    api("POST", "/tickets/" + selected.id + "/notes", { text: text }).then(function () {
      open(selected.id);
    });
  });
  $("reply").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("reply-text").value.trim();
    if (!text) return;
    $("reply-text").value = "";
    api("POST", "/tickets/" + selected.id + "/messages", { text: text });
  });
  $("reply-text").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("reply").requestSubmit();
    }
  });

  api("GET", "/me").then(function (data) {
    if (data.status === 200) start(data);
    else $("login").hidden = false;
  });
})();
