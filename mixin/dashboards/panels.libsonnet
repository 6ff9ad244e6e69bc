// Plain Grafana JSON builders (no grafonnet): template variables, panels, and a grid layout.
{
  local datasource = { type: 'prometheus', uid: '${datasource}' },

  datasourceVariable:: {
    name: 'datasource',
    label: 'Data source',
    type: 'datasource',
    query: 'prometheus',
    current: {},
    hide: 0,
    refresh: 1,
    regex: '',
  },

  // A variable filled with label_values(query, labelName); labelName defaults to the variable's name.
  queryVariable(name, label, query, multi=true, hide=false, labelName=name):: {
    local definition = 'label_values(%s, %s)' % [query, labelName],
    name: name,
    label: label,
    type: 'query',
    datasource: datasource,
    definition: definition,
    query: { query: definition, refId: 'PrometheusVariableQueryEditor-VariableQuery', qryType: 1 },
    current: {},
    hide: if hide then 2 else 0,
    refresh: 2,
    sort: 1,
    multi: multi,
    includeAll: multi,
    [if multi then 'allValue']: '.*',
  },

  target(expr, legend='', instant=false):: {
    expr: expr,
    legendFormat: legend,
    [if instant then 'instant']: true,
    [if instant then 'format']: 'table',
  },

  local panel(type, title, description, targets, unit) = {
    type: type,
    title: title,
    description: description,
    datasource: datasource,
    targets: [targets[i] { refId: std.char(std.codepoint('A') + i), datasource: datasource } for i in std.range(0, std.length(targets) - 1)],
    fieldConfig: { defaults: { unit: unit }, overrides: [] },
  },

  stat(title, description, expr, unit='short', decimals=0):: panel('stat', title, description, [$.target(expr, instant=false)], unit) {
    fieldConfig+: { defaults+: { decimals: decimals } },
    options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'area' },
  },

  timeseries(title, description, targets, unit='short', stack=false):: panel('timeseries', title, description, targets, unit) {
    fieldConfig+: { defaults+: { custom: { fillOpacity: if stack then 30 else 10, stacking: { mode: if stack then 'normal' else 'none' } } } },
    options: { legend: { displayMode: 'table', placement: 'right', calcs: ['mean', 'max'] }, tooltip: { mode: 'multi', sort: 'desc' } },
  },

  // An instant-query table; several targets are joined on their labels.
  table(title, description, targets, unit='short', sortBy='Value #A', renames={}):: panel('table', title, description, targets, unit) {
    transformations: [
      { id: 'merge', options: {} },
      { id: 'organize', options: { excludeByName: { Time: true }, renameByName: renames } },
    ],
    options: { showHeader: true, sortBy: [{ displayName: if std.objectHas(renames, sortBy) then renames[sortBy] else sortBy, desc: true }] },
  },

  row(title):: { type: 'row', title: title, collapsed: false, panels: [] },

  // Lays out rows of [panel, width] pairs on Grafana's 24-column grid, each row under an optional
  // title bar, and numbers the panels.
  grid(rows, height=8)::
    local placed = std.foldl(
      function(acc, row)
        local h = if std.objectHas(row, 'height') then row.height else height;
        local header = if std.objectHas(row, 'title') then [$.row(row.title) { gridPos: { x: 0, y: acc.y, w: 24, h: 1 } }] else [];
        local top = acc.y + std.length(header);
        local xs = std.foldl(function(a, item) a + [a[std.length(a) - 1] + item[1]], row.panels, [0]);
        local body = [
          row.panels[i][0] { gridPos: { x: xs[i], y: top, w: row.panels[i][1], h: h } }
          for i in std.range(0, std.length(row.panels) - 1)
        ];
        { y: top + h, panels: acc.panels + header + body },
      rows,
      { y: 0, panels: [] }
    ).panels;
    [placed[i] { id: i + 1 } for i in std.range(0, std.length(placed) - 1)],

  dashboard(config, key, variables, panels):: {
    local d = config.dashboards[key],
    uid: d.uid,
    title: d.title,
    tags: config.dashboards.tags,
    timezone: 'utc',
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: config.dashboards.refresh,
    time: { from: config.dashboards.timeFrom, to: 'now' },
    annotations: { list: [] },
    links: [{ title: 'Job dashboards', type: 'dashboards', tags: config.dashboards.tags, asDropdown: true }],
    templating: { list: [$.datasourceVariable] + variables },
    panels: panels,
  },
}
