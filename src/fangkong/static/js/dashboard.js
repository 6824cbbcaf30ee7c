/* The commander's dashboard: headline numbers, the map of the child areas (ECharts
   registerMap + visualMap), trends, laggards and open alerts, all from the JSON API,
   refreshed every minute without reloading the page. Labels come from the server. */
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root || typeof echarts === "undefined") { return; }
  var L = JSON.parse(document.getElementById("dash-labels").textContent);
  var area = root.dataset.area;
  var figureSelect = document.getElementById("dash-figure");
  var daysSelect = document.getElementById("dash-days");
  var mapChart = echarts.init(document.getElementById("dash-map"));
  var trendChart = echarts.init(document.getElementById("dash-trends"));
  var state = { data: null, shapes: null, mapName: "fk-" + area };
  var REFRESH_MS = 60000;

  function api(path) {
    return fetch("/api/v1/" + path, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); });
  }
  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }
  function fmt(value, kind) {
    if (value === null || value === undefined) { return "–"; }
    return kind === "percent" ? value.toFixed(1) + "%" : value.toLocaleString();
  }
  function dark() { return document.body.classList.contains("dash-dark"); }
  function drill(code) { window.location.href = "/reports/dashboard?area=" + encodeURIComponent(code); }
  function link(code, name) {
    var a = el("a", name);
    a.href = "/reports/dashboard?area=" + encodeURIComponent(code);
    return a;
  }

  function renderHeadline(items) {
    var box = document.getElementById("dash-headline");
    box.replaceChildren();
    items.forEach(function (item) {
      var stat = el("div", null, "stat dash-stat");
      stat.dataset.key = item.key;
      stat.appendChild(el("div", item.label, "label"));
      stat.appendChild(el("div", fmt(item.value, item.kind), "value"));
      if (item.delta !== null && item.delta !== undefined) {
        var sign = item.delta > 0 ? "+" : "";
        var worse = item.higher_is_worse ? (item.delta > 0) : false;
        stat.appendChild(el("div", sign + fmt(item.delta, item.kind) + " " + L.sinceYesterday,
          "dash-delta" + (worse ? " worse" : "")));
      }
      box.appendChild(stat);
    });
  }

  function chosenFigure() {
    var figures = state.data.figures;
    var key = figureSelect.value;
    return figures.filter(function (f) { return f.key === key; })[0] || figures[0];
  }

  function fillFigureSelect(figures) {
    if (figureSelect.options.length) { return; }
    figures.forEach(function (figure) {
      var option = el("option", figure.label);
      option.value = figure.key;
      figureSelect.appendChild(option);
    });
    var preferred = figures.filter(function (f) { return f.key === "screening.coverage"; })[0];
    if (preferred) { figureSelect.value = preferred.key; }
  }

  function renderChildren(figure) {
    document.getElementById("dash-children-figure").textContent = figure.label;
    var body = document.querySelector("#dash-children tbody");
    body.replaceChildren();
    state.data.children.forEach(function (child) {
      var row = el("tr");
      row.dataset.code = child.code;
      var cell = el("td");
      cell.appendChild(link(child.code, child.name));
      row.appendChild(cell);
      row.appendChild(el("td", fmt(child.values[figure.key], figure.kind), "num"));
      body.appendChild(row);
    });
  }

  function renderMap() {
    var figure = chosenFigure();
    if (!figure) { return; }
    renderChildren(figure);
    var holder = document.getElementById("dash-map");
    if (!state.shapes || !state.shapes.features.length) {
      mapChart.clear();
      holder.dataset.empty = "1";
      mapChart.setOption({ title: { text: L.noShapes, left: "center", top: "middle", textStyle: { color: "#888", fontSize: 14 } } });
      return;
    }
    holder.dataset.empty = "";
    var values = state.data.children.map(function (child) {
      var v = child.values[figure.key];
      return { name: child.code, label: child.name, value: v === null || v === undefined ? NaN : v };
    });
    var numbers = values.map(function (v) { return v.value; }).filter(function (v) { return !isNaN(v); });
    var max = numbers.length ? Math.max.apply(null, numbers) : 1;
    var min = numbers.length ? Math.min.apply(null, numbers) : 0;
    var good = ["#fce8e6", "#b71c1c"];
    var colours = figure.higher_is_worse ? good : (figure.kind === "percent" ? ["#b71c1c", "#e8f5e9"] : ["#e3f2fd", "#0d47a1"]);
    var names = {};
    state.data.children.forEach(function (child) { names[child.code] = child.name; });
    mapChart.setOption({
      title: { show: false },
      tooltip: { trigger: "item", formatter: function (p) { return (names[p.name] || p.name) + "<br>" + figure.label + ": " + fmt(isNaN(p.value) ? null : p.value, figure.kind); } },
      visualMap: { min: min, max: max === min ? min + 1 : max, calculable: true, left: 8, bottom: 8,
        inRange: { color: colours }, textStyle: { color: dark() ? "#ddd" : "#333" } },
      series: [{ type: "map", map: state.mapName, nameProperty: "code", roam: false, selectedMode: false,
        label: { show: true, formatter: function (p) { return names[p.name] || ""; }, color: dark() ? "#fff" : "#222", fontSize: 12 },
        emphasis: { label: { show: true } }, data: values }]
    }, { replaceMerge: ["series"] });
  }

  function renderTrends(trends) {
    var days = trends.days.map(function (d) { return d.slice(5); });
    var text = dark() ? "#ddd" : "#333";
    trendChart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0, textStyle: { color: text } },
      grid: { left: 48, right: 48, top: 40, bottom: 28 },
      xAxis: { type: "category", data: days, axisLabel: { color: text } },
      yAxis: [{ type: "value", minInterval: 1, axisLabel: { color: text } },
              { type: "value", max: 100, min: 0, axisLabel: { color: text, formatter: "{value}%" } }],
      series: trends.series.map(function (s) {
        return { name: s.label, type: "line", smooth: true, yAxisIndex: s.key === "coverage" ? 1 : 0, data: s.values };
      })
    }, { notMerge: true });
  }

  function renderLaggards(items) {
    var body = document.querySelector("#dash-laggards tbody");
    body.replaceChildren();
    if (!items.length) { var r = el("tr"); var c = el("td", L.noLaggards, "muted"); c.colSpan = 4; r.appendChild(c); body.appendChild(r); return; }
    items.forEach(function (item) {
      var row = el("tr");
      var name = el("td");
      name.appendChild(link(item.code, item.name));
      row.appendChild(name);
      row.appendChild(el("td", fmt(item.coverage, "percent"), "num"));
      row.appendChild(el("td", fmt(item.overdue, "count"), "num"));
      var leaders = el("td");
      item.leaders.forEach(function (leader) {
        var line = el("div", leader.name + (leader.title ? " · " + leader.title : "") + " ");
        if (leader.phone) { var tel = el("a", leader.phone); tel.href = "tel:" + leader.phone.replace(/\s/g, ""); line.appendChild(tel); }
        leaders.appendChild(line);
      });
      row.appendChild(leaders);
      body.appendChild(row);
    });
  }

  function renderAlerts(items) {
    var list = document.getElementById("dash-alerts");
    list.replaceChildren();
    if (!items.length) { list.appendChild(el("li", L.noAlerts, "muted")); return; }
    items.forEach(function (item) {
      var li = el("li");
      li.appendChild(el("span", item.kind_label, "badge bad"));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(link(item.area_code, item.area_name));
      li.appendChild(el("span", " " + new Date(item.raised_at).toLocaleString("zh-CN", { hour12: false }), "muted"));
      list.appendChild(li);
    });
  }

  function loadTrends() {
    return api("dashboard/trends?area=" + area + "&days=" + daysSelect.value).then(renderTrends);
  }

  function load() {
    var status = document.getElementById("dash-updated");
    var shapes = state.shapes ? Promise.resolve(state.shapes) : api("shapes?area=" + area);
    return Promise.all([api("dashboard?area=" + area), shapes]).then(function (found) {
      state.data = found[0];
      if (!state.shapes) {
        state.shapes = found[1];
        if (state.shapes.features.length) { echarts.registerMap(state.mapName, state.shapes); }
      }
      fillFigureSelect(state.data.figures);
      renderHeadline(state.data.headline);
      renderMap();
      renderLaggards(state.data.laggards);
      renderAlerts(state.data.alerts);
      status.textContent = L.updated.replace("%(time)s", new Date().toLocaleTimeString("zh-CN", { hour12: false }));
      root.dataset.loaded = String(Number(root.dataset.loaded || 0) + 1);
      return loadTrends();
    }).catch(function () { status.textContent = L.failed; });
  }

  mapChart.on("click", function (params) { if (params.name) { drill(params.name); } });
  figureSelect.addEventListener("change", renderMap);
  daysSelect.addEventListener("change", loadTrends);
  document.getElementById("dash-wall").addEventListener("click", function () {
    document.body.classList.toggle("dash-dark");
    if (document.body.classList.contains("dash-dark") && document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(function () { return null; });
    } else if (document.fullscreenElement && document.exitFullscreen) {
      document.exitFullscreen();
    }
    setTimeout(function () { mapChart.resize(); trendChart.resize(); renderMap(); loadTrends(); }, 200);
  });
  window.addEventListener("resize", function () { mapChart.resize(); trendChart.resize(); });
  /* For tests and the wall screen's operator: where an area lies on the map, in page pixels. */
  window.fkDashboard = {
    pointOf: function (code) {
      var feature = state.shapes && state.shapes.features.filter(function (f) { return f.properties.code === code; })[0];
      if (!feature) { return null; }
      var ring = feature.geometry.type === "Polygon" ? feature.geometry.coordinates[0] : feature.geometry.coordinates[0][0];
      var x = 0, y = 0;
      ring.slice(0, -1).forEach(function (p) { x += p[0]; y += p[1]; });
      var n = ring.length - 1;
      var pixel = mapChart.convertToPixel({ seriesIndex: 0 }, [x / n, y / n]);
      var box = document.getElementById("dash-map").getBoundingClientRect();
      return pixel ? { x: box.left + window.scrollX + pixel[0], y: box.top + window.scrollY + pixel[1] } : null;
    }
  };
  load();
  setInterval(load, REFRESH_MS);
})();
