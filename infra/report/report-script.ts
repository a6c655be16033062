/**
 * The browser script of the HTML report: draws the {@link ReportModel} in
 * `window.SPILLWAY_REPORT` with ECharts (inlined before it): the lanes with
 * one bar per attempt, the local queue with the burst thresholds, cumulative
 * cost by backend, the per-worker utilization heatmap and the table of
 * spills, retries, failovers and breaker changes. Once the lanes chart has
 * finished drawing it sets `window.spillwayReport = { lanes, bars }`: its
 * lane names and how many attempt bars its renderer drew.
 */
export const REPORT_SCRIPT = `
(function () {
  var model = window.SPILLWAY_REPORT;
  var palette = ['#5470c6', '#91cc75', '#fac858', '#73c0de', '#3ba272', '#fc8452', '#9a60b4', '#ea7ccc', '#8d6e63', '#26a69a'];
  var markStyle = { spill: ['triangle', '#e67e22'], retry: ['circle', '#c0392b'], failover: ['diamond', '#8e44ad'], breaker: ['rect', '#2c3e50'] };
  var seconds = function (ms) { return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s'; };
  var xAxis = function () { return { type: 'value', min: 0, max: model.endMs, axisLabel: { formatter: seconds } }; };
  var zoom = [{ type: 'inside', filterMode: 'weakFilter' }, { type: 'slider', filterMode: 'weakFilter', height: 18, bottom: 4 }];
  var esc = function (text) { return String(text).replace(/[&<>"]/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]; }); };
  var charts = [];
  var make = function (id, height) {
    var el = document.getElementById(id);
    el.style.height = height + 'px';
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    charts.push(chart);
    return chart;
  };

  var drawnBars = new Set();
  function renderBar(params, api) {
    var lane = api.value(0);
    var start = api.coord([api.value(1), lane]);
    var end = api.coord([api.value(2), lane]);
    var height = api.size([0, 1])[1] * 0.6;
    var rect = echarts.graphic.clipRectByRect(
      { x: start[0], y: start[1] - height / 2, width: Math.max(end[0] - start[0], 1), height: height },
      { x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height }
    );
    var failed = api.value(4) === 1;
    if (rect) drawnBars.add(params.dataIndex);
    return rect && { type: 'rect', shape: rect, style: { fill: palette[api.value(3) % palette.length], stroke: failed ? '#d62728' : '#2ca02c', lineWidth: failed ? 2.5 : 0.8 } };
  }

  var lanes = make('lanes', Math.max(160, 34 * model.lanes.length + 90));
  var barData = model.bars.map(function (b, i) { return [b.lane, b.startMs, b.endMs, b.task, b.outcome === 'ok' ? 0 : 1, i]; });
  var markSeries = Object.keys(markStyle).map(function (kind) {
    return {
      name: kind, type: 'scatter', symbol: markStyle[kind][0], symbolSize: 9, itemStyle: { color: markStyle[kind][1] }, z: 5,
      data: model.marks.filter(function (m) { return m.kind === kind; }).map(function (m) { return { value: [m.atMs, m.lane], text: m.text }; }),
      tooltip: { formatter: function (p) { return esc(seconds(p.value[0]) + ' ' + p.data.text); } }
    };
  });
  lanes.setOption({
    title: { text: 'Where each attempt ran (colour: task; outline: green ok, red failed)', textStyle: { fontSize: 13 } },
    tooltip: { confine: true },
    legend: { top: 22, right: 10, data: Object.keys(markStyle) },
    grid: { left: 130, right: 20, top: 50, bottom: 50 },
    xAxis: xAxis(),
    yAxis: { type: 'category', data: model.lanes, inverse: true },
    dataZoom: zoom,
    series: [{
      name: 'attempts', type: 'custom', renderItem: renderBar, progressive: 0, encode: { x: [1, 2], y: 0 }, data: barData,
      tooltip: { formatter: function (p) {
        var b = model.bars[p.value[5]];
        return esc(model.tasks[b.task] + ' ' + b.taskId + ' attempt ' + b.attempt + (b.reason === 'hedge' ? ' (hedge backup)' : b.reason === 'prewarm' ? ' (warm-up)' : '') + ' on ' + model.lanes[b.lane]) + '<br>' +
          esc(b.outcome + ', ran ' + b.runMs.toFixed(1) + ' ms, ' + seconds(b.startMs) + ' to ' + seconds(b.endMs)) +
          (b.estimatedUsd === undefined ? '' : '<br>est. $' + b.estimatedUsd.toPrecision(3));
      } }
    }].concat(markSeries)
  });

  var queue = make('queue', 260);
  var threshold = function (value, label) { return value === undefined ? [] : [{ yAxis: value, label: { formatter: label + ' ' + value } }]; };
  queue.setOption({
    title: { text: 'Local queue depth and predicted wait (dashed: burst thresholds; triangles: spills)', textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis' },
    legend: { top: 22, right: 10 },
    grid: { left: 60, right: 70, top: 56, bottom: 50 },
    xAxis: xAxis(),
    yAxis: [{ type: 'value', name: 'queued' }, { type: 'value', name: 'wait ms' }],
    dataZoom: zoom,
    series: [
      { name: 'queue depth', type: 'line', step: 'end', showSymbol: false, data: model.queue.map(function (s) { return [s[0], s[1]]; }),
        markLine: { symbol: 'none', lineStyle: { type: 'dashed', color: '#5470c6' }, data: threshold(model.burst.maxQueueDepth, 'maxQueueDepth') } },
      { name: 'predicted wait', type: 'line', yAxisIndex: 1, showSymbol: false, data: model.queue.map(function (s) { return [s[0], s[2]]; }),
        markLine: { symbol: 'none', lineStyle: { type: 'dashed', color: '#91cc75' }, data: threshold(model.burst.maxWaitMs, 'maxWaitMs') } },
      { name: 'spill', type: 'scatter', symbol: 'triangle', symbolSize: 8, itemStyle: { color: '#e67e22' },
        data: model.marks.filter(function (m) { return m.kind === 'spill'; }).map(function (m) { return [m.atMs, 0]; }) }
    ]
  });

  var cost = make('cost', 240);
  cost.setOption({
    title: { text: 'Cumulative estimated cost by backend (USD)', textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis' },
    legend: { top: 22, right: 10 },
    grid: { left: 80, right: 20, top: 50, bottom: 50 },
    xAxis: xAxis(),
    yAxis: { type: 'value', axisLabel: { formatter: function (v) { return '$' + v.toPrecision(2); } } },
    dataZoom: zoom,
    series: model.cost.map(function (c) { return { name: c.backend, type: 'line', step: 'end', showSymbol: false, data: c.points }; })
  });

  var heat = make('heatmap', Math.max(140, 28 * model.workerLanes + 100));
  var buckets = [];
  for (var i = 0; i < model.heatmap.buckets; i++) buckets.push(seconds(i * model.heatmap.bucketMs));
  heat.setOption({
    title: { text: 'Local worker utilization (busy fraction per ' + model.heatmap.bucketMs.toFixed(0) + ' ms)', textStyle: { fontSize: 13 } },
    tooltip: {},
    grid: { left: 130, right: 20, top: 40, bottom: 60 },
    xAxis: { type: 'category', data: buckets },
    yAxis: { type: 'category', data: model.lanes.slice(0, model.workerLanes), inverse: true },
    visualMap: { min: 0, max: 1, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120, inRange: { color: ['#f7fbff', '#08306b'] } },
    series: [{ name: 'busy', type: 'heatmap', data: model.heatmap.cells }]
  });

  echarts.connect([lanes, queue, cost]);
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });

  var rows = model.marks.slice(0, 1000).map(function (m) {
    return '<tr><td>' + seconds(m.atMs) + '</td><td>' + m.kind + '</td><td>' + esc(model.lanes[m.lane]) + '</td><td>' + esc(m.text) + '</td></tr>';
  });
  if (model.marks.length > 1000) rows.push('<tr><td colspan="4">' + (model.marks.length - 1000) + ' more</td></tr>');
  document.getElementById('events').innerHTML = rows.join('') || '<tr><td colspan="4">none</td></tr>';

  // What the lanes chart drew: its lanes, and the bars its renderer produced (every attempt, unzoomed).
  var reported = false;
  lanes.on('finished', function () {
    if (reported) return;
    reported = true;
    window.spillwayReport = { lanes: lanes.getOption().yAxis[0].data.slice(), bars: drawnBars.size };
  });
})();
`;
