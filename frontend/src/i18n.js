// Every string the page shows comes from this one table: zh-CN by default,
// English on request. Static text in index.html names its key in data-i18n
// (text), data-i18n-aria (aria-label) or data-i18n-alt (alt); code calls t().

const zh = {
  'app.title': '连心 · 群众工作覆盖图',
  'app.skip': '跳到控制面板',
  'app.views': '视图',
  'app.controls': '控制面板',
  'app.langLabel': 'Switch to English',
  'app.langButton': 'English',
  'app.hidePanel': '收起面板',
  'app.showPanel': '展开面板',
  'view.planner': '规划',
  'view.team': '工作队',
  'view.gis': 'GIS 数据',

  'status.loading': '正在加载…',
  'status.unreachable': '无法连接服务器。请检查网络或稍后再试；地图会在服务器恢复后继续加载。',
  'status.missing': '服务器尚未提供此功能：{what}。',
  'status.forbidden': '您的角色无权查看：{what}。',
  'status.server': '服务器返回错误（{status}）：{message}',
  'status.unauthorized': '需要登录。',
  'status.retry': '重试',
  'status.dismiss': '关闭',

  'map.label': '地图',
  'map.loading': '地图加载中…',
  'map.noWebgl': '此浏览器无法显示地图（需要 WebGL）。表格和报表仍可使用。',
  'map.tilesFailed': '部分地图瓦片加载失败：{message}',

  'planner.mode': '地图',
  'planner.modeHeat': '六边形热力图',
  'planner.modeVillages': '村居覆盖率（三分之一线）',
  'planner.metric': '指标',
  'planner.town': '镇（街道、园区）',
  'planner.allTowns': '全部镇街',
  'planner.findVillage': '查找村居',
  'planner.findHint': '输入村（社区）名称',
  'planner.window': '时间窗口',
  'planner.fromWeek': '起始周',
  'planner.toWeek': '截止周',
  'planner.windowText': '{from} 至 {to}（第 {w1}–{w2} 周）',
  'planner.play': '▶ 逐周播放',
  'planner.pause': '⏸ 暂停',
  'planner.layers': '图层',
  'planner.legend': '图例',

  'metric.coverage': '常住人口覆盖率',
  'metric.visits': '走访次数',
  'metric.special_waiting': '待走访特殊群体户',
  'metric.open_problems': '未解决问题',

  'layer.towns': '镇（街道、园区）',
  'layer.villages': '村（社区）',
  'layer.households': '农户',
  'layer.contact_points': '联系点',
  'layer.projects': '重点项目',
  'layer.river_works': '河道与道路工程',
  'layer.visits': '走访',
  'layer.village_coverage': '村居覆盖率',
  'layer.h3': 'H3 六边形汇总',
  'layer.h3_cells': 'H3 六边形汇总（8 级）',
  'layer.teams': '工作队驻地',
  'layer.members': '工作团成员（无几何）',
  'layer.gaps': '缺口报告',

  'legend.below': '未达三分之一（橙色虚线边框）',
  'legend.reached': '已达三分之一（细实线边框）',
  'legend.noPopulation': '无常住人口',
  'legend.oneThird': '三分之一',
  'legend.noData': '暂无数据',
  'legend.from': '≥ {v}',
  'legend.under': '< {v}',
  'legend.range': '{a} – {b}',

  'tip.households': '户数',
  'tip.residents': '常住人口',
  'tip.visited_households': '已走访户数',
  'tip.visited_residents': '已走访人口',
  'tip.coverage': '覆盖率',
  'tip.visits': '走访次数',
  'tip.special_waiting': '待走访特殊群体户',
  'tip.open_problems': '未解决问题',
  'tip.cell': 'H3 单元',
  'tip.suppressed': '<11',

  'summary.title': '活动汇总',
  'summary.villages_visited': '走访村居',
  'summary.households_visited': '走访户数',
  'summary.visits': '走访次数',
  'summary.opinions_collected': '收集意见',
  'summary.problems_found': '发现问题',
  'summary.problems_resolved': '解决问题',
  'summary.petition_cases_resolved': '化解信访积案',
  'summary.village_meetings': '村居座谈会',
  'summary.assistance_deliveries': '帮扶送达',
  'summary.special_waiting': '待走访特殊群体户',
  'summary.disputes_resolved': '排除矛盾隐患',
  'summary.publicity_events': '宣传活动',
  'summary.publicity_participants': '参与人次',
  'summary.households_assisted': '帮扶困难户',
  'summary.villages_reached': '达到三分之一的村居',
  'summary.of': '{n} / {total}',
  'summary.coverage': '常住人口覆盖率',

  'village.close': '关闭村居详情',
  'village.coverage': '覆盖率',
  'village.reached': '已达三分之一',
  'village.below': '未达三分之一',
  'village.noPopulation': '无常住人口，不计覆盖',
  'village.population': '常住人口',
  'village.visitedResidents': '已走访人口',
  'village.residentsNeeded': '还需走访人口',
  'village.householdsNeeded': '还需走访户数',
  'village.special': '待走访特殊群体户',
  'village.lastVisit': '最近走访',
  'village.daysAgo': '{n} 天前',
  'village.never': '从未走访',
  'village.weekly': '每周走访次数',
  'village.weeklyChart': '每周走访次数柱状图，共 {n} 周，最多 {max} 次',
  'village.weeklyMax': '最高 {max} 次/周',
  'village.problems': '问题：收集 {c}，解决 {r}',
  'village.town': '所属镇街',
  'village.loading': '正在加载村居详情…',

  'group.poor': '贫困',
  'group.seriously_ill': '大病',
  'group.disabled': '残疾',
  'group.empty_nest': '空巢老人',
  'group.left_behind_children': '留守儿童',
  'group.community_correction': '社区矫正',

  'team.pick': '选择工作队',
  'team.none': '— 请选择 —',
  'team.gaps': '未达三分之一的村居',
  'team.gapsHint': '点击一行（或按回车）定位到该村并打开详情；点击表头排序。',
  'team.gapsEmpty': '该队所有村居均已达到三分之一。',
  'team.pickFirst': '请先选择一个工作队。',
  'team.plan': '下一步走访路线',
  'team.planN': '村居数',
  'team.print': '打印视图',
  'team.members': '队员考勤与考绩',
  'team.total': '总路程 {km} 公里',
  'team.base': '工作队驻地',
  'team.sorted': '按“{col}”{dir}排序',
  'team.asc': '升序',
  'team.desc': '降序',

  'col.order': '顺序',
  'col.village': '村（社区）',
  'col.code': '代码',
  'col.coverage': '覆盖率',
  'col.residents_needed': '还需人口',
  'col.households_needed': '还需户数',
  'col.special': '待访特殊户',
  'col.days': '距上次走访（天）',
  'col.distance': '距驻地（公里）',
  'col.leg': '本段（公里）',
  'col.reaches': '走访后覆盖率',
  'col.member': '队员',
  'col.role': '身份',
  'col.visits': '走访次数',
  'col.weekly': '每周走访',
  'col.households': '联系户数',
  'col.target': '达标（≥10 户）',
  'col.contactPoint': '联系点',
  'col.diary': '民情日记',
  'col.problems': '问题 收集/解决',
  'col.layer': '图层',
  'col.download': '下载',

  'role.leader': '队长',
  'role.senior_adviser': '老同志',
  'role.cadre': '机关干部',
  'role.village_official': '大学生村官',

  'yes': '是',
  'no': '否',

  'gis.services': '在 QGIS 中使用',
  'gis.tilejson': 'TileJSON（矢量瓦片）',
  'gis.ogc': 'OGC API – Features',
  'gis.copy': '复制',
  'gis.copied': '已复制',
  'gis.copyLabel': '复制 {what} 地址',
  'gis.downloads': '图层下载',
  'gis.crs': '坐标系',
  'gis.gcj': 'GCJ-02（国内网络地图，偏移坐标）',
  'gis.exportsMissing': '此服务器尚未提供图层导出（/api/v1/export）；瓦片和 OGC 地址仍可使用。',
  'gis.downloadLabel': '下载 {layer}（{format}）',
  'gis.pmtiles': '离线地图包（PMTiles）',
  'gis.pmtilesHint': '一个乡镇的全部矢量图层打成一个 PMTiles 文件，网络不好时 QGIS 和网页地图可直接打开。生成需要几十秒。',
  'gis.pmtilesTown': '乡镇',
  'gis.pmtilesDownload': '下载离线地图包',
  'gis.pmtilesBuilding': '正在生成离线地图包…',
  'gis.pmtilesDone': '已下载 {file}（{size} MB）。',
  'gis.pmtilesFailed': '离线地图包生成失败：{message}',
  'gis.qgisHint': '在 QGIS 中：图层 → 添加图层 → 添加矢量瓦片图层（TileJSON），或 WFS / OGC API – Features。',

  'print.print': '打印',
  'print.close': '返回地图',
  'print.title': '{team} 走访计划',
  'print.meta': '生成于 {date} · 时间窗口 {from} 至 {to}',
  'print.mapAlt': '走访路线图',
  'print.plan': '走访顺序',
  'print.gaps': '未达三分之一的村居',

  'auth.title': '登录',
  'auth.why': '请登录以查看地图和报表。',
  'auth.user': '用户名',
  'auth.password': '密码',
  'auth.submit': '登录',
  'auth.signOut': '退出',
  'auth.wrong': '用户名或密码错误。',
  'auth.limited': '尝试次数过多，请稍后再试。',
};

const en = {
  'app.title': 'Lianxin · mass-work coverage map',
  'app.skip': 'Skip to the controls',
  'app.views': 'Views',
  'app.controls': 'Controls',
  'app.langLabel': '切换到中文',
  'app.langButton': '中文',
  'app.hidePanel': 'Hide panel',
  'app.showPanel': 'Show panel',
  'view.planner': 'Planner',
  'view.team': 'Team',
  'view.gis': 'GIS data',

  'status.loading': 'Loading…',
  'status.unreachable': 'The server cannot be reached. Check the network or try again later; the map resumes when the server is back.',
  'status.missing': 'This server does not provide this yet: {what}.',
  'status.forbidden': 'Your role may not see: {what}.',
  'status.server': 'The server answered with an error ({status}): {message}',
  'status.unauthorized': 'Please sign in.',
  'status.retry': 'Retry',
  'status.dismiss': 'Dismiss',

  'map.label': 'Map',
  'map.loading': 'Loading the map…',
  'map.noWebgl': 'This browser cannot draw the map (WebGL is needed). Tables and reports still work.',
  'map.tilesFailed': 'Some map tiles failed to load: {message}',

  'planner.mode': 'Map',
  'planner.modeHeat': 'Hexagon heat map',
  'planner.modeVillages': 'Village coverage (one-third line)',
  'planner.metric': 'Metric',
  'planner.town': 'Town, subdistrict or park',
  'planner.allTowns': 'All towns',
  'planner.findVillage': 'Find a village',
  'planner.findHint': 'Type a village name',
  'planner.window': 'Time window',
  'planner.fromWeek': 'From week',
  'planner.toWeek': 'To week',
  'planner.windowText': '{from} to {to} (weeks {w1}–{w2})',
  'planner.play': '▶ Play week by week',
  'planner.pause': '⏸ Pause',
  'planner.layers': 'Layers',
  'planner.legend': 'Legend',

  'metric.coverage': 'Coverage of residents',
  'metric.visits': 'Visits',
  'metric.special_waiting': 'Special-group households waiting',
  'metric.open_problems': 'Open problems',

  'layer.towns': 'Towns',
  'layer.villages': 'Villages and communities',
  'layer.households': 'Households',
  'layer.contact_points': 'Contact points',
  'layer.projects': 'Key projects',
  'layer.river_works': 'River works and roads',
  'layer.visits': 'Visits',
  'layer.village_coverage': 'Village coverage',
  'layer.h3': 'H3 hexagon aggregates',
  'layer.h3_cells': 'H3 hexagon aggregates (resolution 8)',
  'layer.teams': "Work teams' bases",
  'layer.members': 'Corps members (no geometry)',
  'layer.gaps': 'Gap report',

  'legend.below': 'Below one-third (dashed orange outline)',
  'legend.reached': 'One-third reached (thin solid outline)',
  'legend.noPopulation': 'No resident population',
  'legend.oneThird': 'one-third',
  'legend.noData': 'No data yet',
  'legend.from': '≥ {v}',
  'legend.under': '< {v}',
  'legend.range': '{a} – {b}',

  'tip.households': 'Households',
  'tip.residents': 'Residents',
  'tip.visited_households': 'Households visited',
  'tip.visited_residents': 'Residents visited',
  'tip.coverage': 'Coverage',
  'tip.visits': 'Visits',
  'tip.special_waiting': 'Special-group households waiting',
  'tip.open_problems': 'Open problems',
  'tip.cell': 'H3 cell',
  'tip.suppressed': '<11',

  'summary.title': 'Campaign summary',
  'summary.villages_visited': 'Villages visited',
  'summary.households_visited': 'Households visited',
  'summary.visits': 'Visits',
  'summary.opinions_collected': 'Opinions collected',
  'summary.problems_found': 'Problems found',
  'summary.problems_resolved': 'Problems resolved',
  'summary.petition_cases_resolved': 'Petition backlogs resolved',
  'summary.village_meetings': 'Village meetings',
  'summary.assistance_deliveries': 'Assistance deliveries',
  'summary.special_waiting': 'Special-group households waiting',
  'summary.disputes_resolved': 'Dispute risks removed',
  'summary.publicity_events': 'Publicity events',
  'summary.publicity_participants': 'Participants',
  'summary.households_assisted': 'Households assisted',
  'summary.villages_reached': 'Villages at one-third',
  'summary.of': '{n} of {total}',
  'summary.coverage': 'Coverage of residents',

  'village.close': 'Close the village panel',
  'village.coverage': 'Coverage',
  'village.reached': 'One-third reached',
  'village.below': 'Below one-third',
  'village.noPopulation': 'No resident population: not counted as covered',
  'village.population': 'Resident population',
  'village.visitedResidents': 'Residents visited',
  'village.residentsNeeded': 'Residents still needed',
  'village.householdsNeeded': 'Households still needed',
  'village.special': 'Special-group households waiting',
  'village.lastVisit': 'Last visit',
  'village.daysAgo': '{n} days ago',
  'village.never': 'Never visited',
  'village.weekly': 'Visits per week',
  'village.weeklyChart': 'Bar chart of visits per week over {n} weeks, at most {max}',
  'village.weeklyMax': 'peak {max} a week',
  'village.problems': 'Problems: {c} collected, {r} resolved',
  'village.town': 'Town',
  'village.loading': 'Loading the village…',

  'group.poor': 'Poor',
  'group.seriously_ill': 'Seriously ill',
  'group.disabled': 'Disabled',
  'group.empty_nest': 'Empty-nest elderly',
  'group.left_behind_children': 'Left-behind children',
  'group.community_correction': 'Community correction',

  'team.pick': 'Choose a team',
  'team.none': '— choose —',
  'team.gaps': 'Villages below one-third',
  'team.gapsHint': 'Click a row (or press Enter) to zoom to the village and open it; click a heading to sort.',
  'team.gapsEmpty': 'Every village of this team has reached one-third.',
  'team.pickFirst': 'Choose a team first.',
  'team.plan': 'Next villages to visit',
  'team.planN': 'Villages',
  'team.print': 'Print view',
  'team.members': "Members' attendance and assessment",
  'team.total': 'Total distance {km} km',
  'team.base': "The team's base",
  'team.sorted': 'Sorted by “{col}”, {dir}',
  'team.asc': 'ascending',
  'team.desc': 'descending',

  'col.order': 'Order',
  'col.village': 'Village',
  'col.code': 'Code',
  'col.coverage': 'Coverage',
  'col.residents_needed': 'Residents needed',
  'col.households_needed': 'Households needed',
  'col.special': 'Special groups waiting',
  'col.days': 'Days since last visit',
  'col.distance': 'From base (km)',
  'col.leg': 'Leg (km)',
  'col.reaches': 'Coverage after the visits',
  'col.member': 'Member',
  'col.role': 'Role',
  'col.visits': 'Visits',
  'col.weekly': 'Visits per week',
  'col.households': 'Households contacted',
  'col.target': 'Target (≥10) met',
  'col.contactPoint': 'Contact point',
  'col.diary': 'Diary entries',
  'col.problems': 'Problems collected/resolved',
  'col.layer': 'Layer',
  'col.download': 'Download',

  'role.leader': 'Team leader',
  'role.senior_adviser': 'Senior adviser',
  'role.cadre': 'Department cadre',
  'role.village_official': 'Village-official graduate',

  'yes': 'yes',
  'no': 'no',

  'gis.services': 'Use in QGIS',
  'gis.tilejson': 'TileJSON (vector tiles)',
  'gis.ogc': 'OGC API – Features',
  'gis.copy': 'Copy',
  'gis.copied': 'Copied',
  'gis.copyLabel': 'Copy the {what} URL',
  'gis.downloads': 'Layer downloads',
  'gis.crs': 'Coordinate system',
  'gis.gcj': 'GCJ-02 (Chinese web maps, offset coordinates)',
  'gis.exportsMissing': 'This server does not offer layer exports (/api/v1/export) yet; the tile and OGC URLs still work.',
  'gis.downloadLabel': 'Download {layer} ({format})',
  'gis.pmtiles': 'Offline map package (PMTiles)',
  'gis.pmtilesHint': 'Every vector layer of one town in a single PMTiles file, which QGIS and the web map open without a network. Building it takes tens of seconds.',
  'gis.pmtilesTown': 'Town',
  'gis.pmtilesDownload': 'Download offline package',
  'gis.pmtilesBuilding': 'Building the offline package…',
  'gis.pmtilesDone': 'Downloaded {file} ({size} MB).',
  'gis.pmtilesFailed': 'The offline package failed: {message}',
  'gis.qgisHint': 'In QGIS: Layer → Add Layer → Add Vector Tile Layer (TileJSON), or WFS / OGC API – Features.',

  'print.print': 'Print',
  'print.close': 'Back to the map',
  'print.title': 'Visiting plan: {team}',
  'print.meta': 'Made on {date} · window {from} to {to}',
  'print.mapAlt': 'Map of the visiting route',
  'print.plan': 'Visiting order',
  'print.gaps': 'Villages below one-third',

  'auth.title': 'Sign in',
  'auth.why': 'Sign in to see the map and the reports.',
  'auth.user': 'User name',
  'auth.password': 'Password',
  'auth.submit': 'Sign in',
  'auth.signOut': 'Sign out',
  'auth.wrong': 'Wrong user name or password.',
  'auth.limited': 'Too many attempts; try again later.',
};

export const TABLES = { 'zh-CN': zh, en };

let current = 'zh-CN';
const listeners = [];

export function lang() {
  return current;
}

/** t looks key up in the current language and fills {name} placeholders. */
export function t(key, vars = {}) {
  const s = TABLES[current][key] ?? TABLES['zh-CN'][key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] === undefined ? `{${k}}` : String(vars[k])));
}

export function onLangChange(fn) {
  listeners.push(fn);
}

export function setLang(l) {
  current = TABLES[l] ? l : 'zh-CN';
  document.documentElement.lang = current;
  try {
    localStorage.setItem('lianxin.lang', current);
  } catch {
    // Private mode: the choice lasts for this page only.
  }
  applyI18n(document);
  listeners.forEach((fn) => fn(current));
}

export function initialLang() {
  try {
    const saved = localStorage.getItem('lianxin.lang');
    if (saved && TABLES[saved]) return saved;
  } catch {
    // ignore
  }
  return 'zh-CN';
}

/** applyI18n fills every element below root that names a key. */
export function applyI18n(root) {
  root.querySelectorAll('[data-i18n]').forEach((el) => {
    el.textContent = t(el.dataset.i18n);
  });
  root.querySelectorAll('[data-i18n-aria]').forEach((el) => {
    el.setAttribute('aria-label', t(el.dataset.i18nAria));
  });
  root.querySelectorAll('[data-i18n-placeholder]').forEach((el) => {
    el.setAttribute('placeholder', t(el.dataset.i18nPlaceholder));
  });
  root.querySelectorAll('[data-i18n-alt]').forEach((el) => {
    el.setAttribute('alt', t(el.dataset.i18nAlt));
  });
  document.title = t('app.title');
}

/** num formats a number for the current language. */
export function num(v, digits = 0) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'string' && !/^-?[\d.]+$/.test(v)) return v; // e.g. "<11" from suppression
  return new Intl.NumberFormat(current, { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(Number(v));
}

/** pct formats a share 0..1 as a percentage. */
export function pct(v) {
  if (v === null || v === undefined || v === '' || !Number.isFinite(Number(v))) return '—';
  return new Intl.NumberFormat(current, { style: 'percent', maximumFractionDigits: 1 }).format(Number(v));
}

export function date(d) {
  if (!d) return '—';
  const x = d instanceof Date ? d : new Date(d);
  if (Number.isNaN(x.getTime())) return String(d);
  return new Intl.DateTimeFormat(current, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'Asia/Shanghai' }).format(x);
}
