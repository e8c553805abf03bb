// Xindai CRM group graph: draws every <div data-group-graph="ID"> from the JSON of
// <script id="ID"> (risk.relations.group_graph builds it) as a force graph with the vendored
// ECharts. A static file because the CSP forbids inline scripts.
(function () {
  "use strict";

  function cssColour(name, fallback) {
    var value = window.getComputedStyle(document.documentElement).getPropertyValue("--bs-" + name);
    return (value && value.trim()) || fallback;
  }

  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-group-graph"));
    if (!source || !window.echarts) { return; }
    var graph = JSON.parse(source.textContent);
    var chart = window.echarts.init(element);
    chart.setOption({
      series: [{
        type: "graph",
        layout: "force",
        roam: true,
        draggable: true,
        force: { repulsion: 220, edgeLength: 120 },
        label: { show: true, position: "right", color: cssColour("body-color", "#212529") },
        edgeLabel: { show: true, fontSize: 10, formatter: function (p) { return p.data.label; } },
        edgeSymbol: ["none", "arrow"],
        data: graph.nodes.map(function (node) {
          return {
            id: node.id,
            name: node.name,
            symbolSize: 22,
            itemStyle: { color: node.distress ? cssColour("danger", "#dc3545") : cssColour("primary", "#0d6efd") },
          };
        }),
        links: graph.links.map(function (link) {
          return { source: link.source, target: link.target, label: link.label };
        }),
      }],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-group-graph]").forEach(draw);
  });
})();
