// Xindai CRM charts: draws every <div data-chart="ID"> from the JSON of <script id="ID">
// (core/charts.py builds it; the page's json_script writes it) with the vendored ECharts.
// A static file because the CSP forbids inline scripts; tooltips are drawn on the canvas
// (richText) because the CSP also forbids the inline styles of ECharts' HTML tooltips.
(function () {
  "use strict";

  var charts = [];

  function language() {
    return document.documentElement.lang || "en";
  }

  // Bootstrap's palette as the page's stylesheet defines it (--bs-primary, --bs-danger, ...).
  function cssColour(name, fallback) {
    var value = window.getComputedStyle(document.documentElement).getPropertyValue("--bs-" + name);
    return (value && value.trim()) || fallback;
  }

  function numberFormat(places) {
    return new Intl.NumberFormat(language(), {
      minimumFractionDigits: places,
      maximumFractionDigits: places,
    });
  }

  // How a value reads in a tooltip (exact) and on an axis (rounded), by the chart's unit.
  function formatters(unit) {
    var cents = numberFormat(2);
    var whole = numberFormat(0);
    if (unit === "money") {
      return {
        tooltip: function (value) { return "¥" + cents.format(value); },
        axis: function (value) { return "¥" + whole.format(value); },
      };
    }
    if (unit === "percent") {
      return {
        tooltip: function (value) { return cents.format(value * 100) + "%"; },
        axis: function (value) { return whole.format(value * 100) + "%"; },
      };
    }
    return {
      tooltip: function (value) { return whole.format(value); },
      axis: function (value) { return whole.format(value); },
    };
  }

  function toNumber(value) {
    return value === null || value === undefined ? null : Number(value);
  }

  function options(spec) {
    var format = formatters(spec.unit);
    var text = cssColour("body-color", "#212529");
    var muted = cssColour("secondary-color", "#6c757d");
    var border = cssColour("border-color", "#dee2e6");
    var horizontal = spec.kind === "hbar";
    var overTime = spec.kind === "line" || spec.kind === "area";
    var categoryAxis = {
      type: "category",
      data: spec.categories,
      name: spec.category_title,
      nameLocation: "middle",
      nameGap: horizontal ? 104 : 28,
      nameTextStyle: { color: muted },
      boundaryGap: !overTime,
      inverse: horizontal,
      axisLabel: {
        color: text,
        hideOverlap: true,
        width: horizontal ? 96 : undefined,
        overflow: "truncate",
        // The first and last dates stay inside the chart's box.
        alignMinLabel: overTime ? "left" : undefined,
        alignMaxLabel: overTime ? "right" : undefined,
      },
      axisLine: { lineStyle: { color: border } },
    };
    var valueAxis = {
      type: "value",
      name: spec.value_title,
      nameLocation: "middle",
      nameGap: horizontal ? 28 : 64,
      nameTextStyle: { color: muted },
      // A score axis frames the scores; every other axis starts at zero.
      scale: spec.unit === "score",
      minInterval: spec.unit === "count" || spec.unit === "score" ? 1 : undefined,
      axisLabel: { color: text, formatter: format.axis },
      splitLine: { lineStyle: { color: border } },
    };
    var series = spec.series.map(function (one) {
      var colour = cssColour(one.colour, "#0d6efd");
      return {
        name: one.name,
        type: overTime ? "line" : "bar",
        data: one.values.map(toNumber),
        stack: spec.stacked ? "total" : undefined,
        areaStyle: spec.kind === "area" ? { opacity: 0.35 } : undefined,
        showSymbol: overTime,
        itemStyle: { color: colour },
        lineStyle: overTime ? { color: colour } : undefined,
        cursor: one.urls ? "pointer" : "default",
        barMaxWidth: 36,
      };
    });
    // A limit the bars are held to (a concentration limit): one dashed line across them.
    // The line is named in the legend, beside the bars' name: a label at the line's end sat
    // on the axis's figures (the category axis of horizontal bars runs downwards) or past
    // the chart's edge, and one along the line sat on the bars.
    if (spec.limit_line && series.length) {
      var limitAxis = {};
      limitAxis[horizontal ? "xAxis" : "yAxis"] = toNumber(spec.limit_line);
      var limitStyle = { color: cssColour("danger", "#dc3545"), type: "dashed" };
      series.push({
        name: spec.limit_label || "",
        type: "line",
        data: [],
        symbol: "none",
        itemStyle: { color: limitStyle.color },
        lineStyle: limitStyle,
        markLine: {
          silent: true,
          symbol: "none",
          lineStyle: limitStyle,
          label: { show: false },
          data: [limitAxis],
        },
      });
    }
    return {
      animation: false,
      textStyle: { fontFamily: window.getComputedStyle(document.body).fontFamily },
      legend: { top: 0, type: "scroll", textStyle: { color: text } },
      // Horizontal bars end their value axis with a figure centred on the last tick: room
      // for its half on the right.
      grid: {
        top: 36,
        bottom: 44,
        left: horizontal ? 116 : 76,
        right: horizontal ? 40 : 16,
        containLabel: false,
      },
      tooltip: {
        trigger: "axis",
        renderMode: "richText",
        axisPointer: { type: overTime ? "line" : "shadow" },
        formatter: function (points) {
          var lines = [points.length ? points[0].axisValueLabel : ""];
          points.forEach(function (point) {
            var one = spec.series[point.seriesIndex];
            var note = one.notes ? one.notes[point.dataIndex] : "";
            var value = point.value === null || point.value === undefined ? "—" : format.tooltip(point.value);
            lines.push(point.marker + point.seriesName + ": " + value + (note ? " · " + note : ""));
          });
          return lines.join("\n");
        },
      },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: series,
    };
  }

  function draw(element) {
    if (!window.echarts || window.echarts.getInstanceByDom(element)) {
      return;
    }
    var source = document.getElementById(element.getAttribute("data-chart"));
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var chart = window.echarts.init(element, null, {
      renderer: "canvas",
      locale: language().toLowerCase().indexOf("zh") === 0 ? "ZH" : "EN",
    });
    chart.setOption(options(spec));
    // A click on a bar or point opens the list behind it, as the link in the list below does.
    chart.on("click", function (params) {
      var urls = spec.series[params.seriesIndex] && spec.series[params.seriesIndex].urls;
      if (urls && urls[params.dataIndex]) {
        window.location.assign(urls[params.dataIndex]);
      }
    });
    element.setAttribute("data-chart-drawn", "true");
    charts.push(chart);
  }

  function drawAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("[data-chart]")) {
      draw(scope);
    }
    scope.querySelectorAll("[data-chart]").forEach(draw);
  }

  // Charts whose element left the page (an htmx swap) are released; the others follow the
  // window's size.
  function resizeAll() {
    charts = charts.filter(function (chart) {
      if (chart.isDisposed() || !chart.getDom().isConnected) {
        if (!chart.isDisposed()) {
          chart.dispose();
        }
        return false;
      }
      chart.resize();
      return true;
    });
  }

  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(resizeAll, 100);
  });

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  // htmx fires htmx:load for every piece of content it swaps in.
  document.addEventListener("htmx:load", function (event) { drawAll(event.detail.elt); });
  document.addEventListener("htmx:beforeCleanupElement", function (event) {
    var element = event.detail.elt;
    var chart = element && window.echarts && window.echarts.getInstanceByDom(element);
    if (chart) {
      chart.dispose();
    }
  });
})();
