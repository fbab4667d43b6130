package ingest

import (
	"errors"
	"regexp"
	"slices"
	"strings"

	"lianxin"
	"lianxin/geo"
)

// Option codes name what is wrong with how an import was asked for — an
// option's value, a missing or unknown field of an upload, flags that do
// not go together — as reject codes name a row's fault and file codes a
// file's. The refusal (an invalid *lianxin.Error) carries an
// OptionProblem in Details, so that the web map (i18n.js imp.option.*,
// for APIOptionCodes) and `lianxin ingest --lang zh` word it in the
// clerk's language; its Message is the English sentence of the same
// wording. A code once published keeps its meaning and parameters.
const (
	OptUnknownLayer  = "unknown_layer"       // {value, layers}
	OptMissingLayer  = "missing_layer"       // {layers}: no layer named
	OptBadEncoding   = "bad_encoding"        // {value, allowed}
	OptBadCRS        = "bad_crs"             // {value, allowed}
	OptBadLang       = "bad_lang"            // {value, allowed}
	OptNotTrueFalse  = "not_true_false"      // {option, value}
	OptNoFile        = "no_file"             // an upload without its "file" field
	OptUnknownOption = "unknown_option"      // {option, options}: an upload's field we do not read
	OptRejectsNoSkip = "rejects_needs_skip"  // {rejects}: --rejects without --skip-invalid
	OptBadBounds     = "bad_bounds"          // {value}
	OptArguments     = "arguments"           // {got}: not one layer and one file
	OptBadImportID   = "bad_import_id"       // {value}
	OptBadLimit      = "bad_limit"           // {value, min, max}
	OptNoSuchUser    = "as_no_such_user"     // {user}: --as names no account
	OptUserDisabled  = "as_disabled"         // {user}
	OptUserMayNot    = "as_may_not_import"   // {user, roles}
	OptCorrectVisits = "correct_only_visits" // {layer}: correct asked of another layer than visits
)

// APIOptionCodes are the option codes the API answers with (an upload's
// fields, an import's id, a list's limit): the catalogue here words them
// for the command line, and the web map's i18n.js (imp.option.*) for the
// page, with the same parameters (a test checks).
var APIOptionCodes = []string{
	OptUnknownLayer, OptMissingLayer, OptBadEncoding, OptBadCRS, OptBadLang, OptNotTrueFalse, OptNoFile,
	OptUnknownOption, OptBadImportID, OptBadLimit, OptCorrectVisits,
}

// CLIOptionCodes are the option codes only the command line's flags and
// arguments give (--rejects, --bounds, --as, the arguments): worded in the
// catalogue here alone.
var CLIOptionCodes = []string{
	OptRejectsNoSkip, OptBadBounds, OptArguments, OptNoSuchUser, OptUserDisabled, OptUserMayNot,
}

// OptionCodes lists every option code: APIOptionCodes, then CLIOptionCodes.
var OptionCodes = slices.Concat(APIOptionCodes, CLIOptionCodes)

// OptionProblem is what an option's refusal carries in Details: the
// option as the API names it ("crs", "skip_invalid", "file"; the command
// line's flag is the same with -- and hyphens), its code and parameters.
type OptionProblem struct {
	Option string         `json:"option,omitempty"`
	Code   string         `json:"code"`
	Params map[string]any `json:"params,omitempty"`
}

// A wording is one sentence in English and in Chinese, with {name} for
// a parameter (paramText writes it; a list is joined with ", " in
// English and 、 in Chinese).
type wording struct{ en, zh string }

// words is the catalogue of what the command line says and of the
// option codes: one wording a key, both languages (a test checks each has
// both, with the same parameters). Reject and file codes are worded by
// ReasonZH and ProblemZH beside their English reasons.
var words = map[string]wording{
	OptUnknownLayer: {"unknown layer \"{value}\": want one of {layers}",
		"没有“{value}”这个图层：可选 {layers}"},
	OptMissingLayer: {"layer: missing; want one of {layers}",
		"请指定要导入的图层：可选 {layers}"},
	OptBadEncoding: {"encoding \"{value}\": want {allowed}",
		"无法识别的编码“{value}”：可选 {allowed}"},
	OptBadCRS: {"crs \"{value}\": want one of {allowed}",
		"无法识别的坐标系“{value}”：可选 {allowed}（wgs84 为 GPS 坐标，cgcs2000 为国家 2000 坐标，gcj02 为高德、腾讯地图坐标）"},
	OptBadLang: {"lang \"{value}\": want {allowed}",
		"无法识别的语言“{value}”：可选 {allowed}"},
	OptNotTrueFalse: {"{option} \"{value}\": want true or false",
		"选项 {option} 的值“{value}”无效：应为 true（是）或 false（否）"},
	OptNoFile: {"file: want a multipart/form-data upload with the file in field \"file\"",
		"没有收到文件：请选择要导入的文件后再上传"},
	OptUnknownOption: {"{option}: not an option of an import; want {options}",
		"“{option}”不是导入的选项：可用的选项为 {options}"},
	OptRejectsNoSkip: {"--rejects {rejects} needs --skip-invalid: without it a file with rejected rows imports nothing and writes no rejects file",
		"--rejects {rejects} 需要与 --skip-invalid 一起使用：不加 --skip-invalid 时，有被拒绝的行就什么也不导入，也不写被拒绝行的文件"},
	OptBadBounds: {"bounds \"{value}\": want west,south,east,north in degrees, e.g. 119.90,31.95,120.35,32.40",
		"范围“{value}”无效：应为 西,南,东,北 的经纬度，如 119.90,31.95,120.35,32.40"},
	OptArguments: {"ingest wants a layer and a file, got {got} arguments",
		"ingest 需要一个图层和一个文件，收到 {got} 个参数"},
	OptBadImportID: {"import id \"{value}\": want a positive whole number",
		"导入编号“{value}”无效：应为正整数"},
	OptBadLimit: {"limit \"{value}\": want {min}..{max}",
		"条数“{value}”无效：应在 {min} 到 {max} 之间"},
	OptNoSuchUser: {"--as {user}: no such user (lianxin user list shows the accounts)",
		"--as {user}：没有这个用户（lianxin user list 列出所有账号）"},
	OptUserDisabled: {"--as {user}: the account is disabled (lianxin user enable {user} lets it work again)",
		"--as {user}：该账号已停用（lianxin user enable {user} 可重新启用）"},
	OptCorrectVisits: {"correct: only a diary import (visits) corrects entries by id, not {layer}",
		"“按编号更正”（correct）只用于民情日记（visits）的导入，不用于 {layer}"},
	OptUserMayNot: {"--as {user}: importing data needs the admin, gis or team_leader role; {user} holds {roles}",
		"--as {user}：导入数据需要管理员、GIS 或工作队长角色；{user} 的角色为 {roles}"},

	// The command line's own lines (cmd/lianxin ingest).
	sayRejected:        {"rejected: {where}: {reason}", "已拒绝：{where}：{reason}"},
	sayWhereLine:       {"{file} line {line}", "{file} 第 {line} 行"},
	sayWhereFeature:    {"{file} feature {line}", "{file} 第 {line} 个要素"},
	sayMoreRejected:    {"… and {n} more rejected rows", "……另有 {n} 行被拒绝"},
	sayMoreHint:        {" (--dry-run --skip-invalid writes every rejected row to a file)", "（加 --dry-run --skip-invalid 可把每个被拒绝的行写入文件）"},
	sayWroteRejects:    {"wrote {n} rejected rows to {file}: fix them and import that file again", "已把 {n} 个被拒绝的行写入 {file}：改正后再导入该文件"},
	sayWroteRejectsDry: {"wrote {n} rejected rows to {file}: a dry run, so fix them in {source} and import it again", "已把 {n} 个被拒绝的行写入 {file}：这是试导入，请在 {source} 中改正后再导入"},
	sayRowsRefused:     {"{file}: {n} rows rejected, nothing imported", "{file}：{n} 行被拒绝，什么也没有导入；上面列出了被拒绝的行，加 --skip-invalid 可只导入有效的行"},
	sayAllRejected:     {"{file}: every row ({n}) rejected, nothing imported", "{file}：全部 {n} 行都被拒绝，没有导入任何行；改正被拒绝的行（见被拒绝行的文件）后再导入"},
	saySummary: {"import {id} {status}: {layer} inserted={inserted} updated={updated} unchanged={unchanged} rejected={rejected}",
		"导入 {id} {status}：{layer}，新增 {inserted}，更新 {updated}，未变 {unchanged}，拒绝 {rejected}"},
	sayDryRun:         {"dry run: nothing written.", "试导入：没有写入任何数据。"},
	sayDryRunRejected: {"dry run: nothing written. {n} rows would be rejected, the rest imported", "试导入：没有写入任何数据。将有 {n} 行被拒绝，其余的会导入。"},
	saySkipped:        {"{n} rows rejected, the rest imported", "{n} 行被拒绝，其余的已导入。"},
	sayProgressRows:   {"{rows} rows {rate} rows/s", "{rows} 行 {rate} 行/秒"},
	sayProgressETA:    {"ETA {eta}", "剩余 {eta}"},
	sayProgressDone:   {"done in {elapsed}", "用时 {elapsed}"},
	StatusSucceeded:   {"succeeded", "成功"},
	StatusRejected:    {"rejected", "被拒绝"},
	StatusFailed:      {"failed", "失败"},
	StatusRunning:     {"running", "进行中"},
}

// Keys of the command line's lines in words.
const (
	sayRejected        = "cli.rejected"
	sayWhereLine       = "cli.where.line"
	sayWhereFeature    = "cli.where.feature"
	sayMoreRejected    = "cli.more_rejected"
	sayMoreHint        = "cli.more_hint"
	sayWroteRejects    = "cli.wrote_rejects"
	sayWroteRejectsDry = "cli.wrote_rejects_dry_run"
	sayRowsRefused     = "cli.rows_refused"
	sayAllRejected     = "cli.all_rejected"
	saySummary         = "cli.summary"
	sayDryRun          = "cli.dry_run"
	sayDryRunRejected  = "cli.dry_run_rejected"
	saySkipped         = "cli.skipped"
	sayProgressRows    = "cli.progress.rows"
	sayProgressETA     = "cli.progress.eta"
	sayProgressDone    = "cli.progress.done"
)

// WordKeys lists every key of the catalogue, sorted: option codes, the
// command line's lines and the import statuses.
func WordKeys() []string {
	keys := make([]string, 0, len(words))
	for k := range words {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// Say words key of the catalogue in lang (LangZH, else English) with its
// parameters; an unknown key is itself.
func Say(lang, key string, params map[string]any) string {
	w, ok := words[key]
	if !ok {
		return key
	}
	s, sep := w.en, ", "
	if lang == LangZH {
		s, sep = w.zh, "、"
	}
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		k := m[1 : len(m)-1]
		if lang == LangZH {
			if v, ok := params[k+"_zh"]; ok {
				return listText(v, sep)
			}
		}
		return listText(params[k], sep)
	})
}

// listText is paramText with lists joined by sep.
func listText(v any, sep string) string {
	if l, ok := v.([]string); ok {
		return strings.Join(l, sep)
	}
	return paramText(v)
}

// OptionError is the invalid error of an option: Message its English
// wording, Details its OptionProblem.
func OptionError(option, code string, params map[string]any) *lianxin.Error {
	return &lianxin.Error{Code: lianxin.EInvalid, Message: Say(LangEN, code, params),
		Details: OptionProblem{Option: option, Code: code, Params: params}}
}

// OptionProblemOf is the option problem err carries, if any.
func OptionProblemOf(err error) (OptionProblem, bool) {
	var le *lianxin.Error
	if !errors.As(err, &le) {
		return OptionProblem{}, false
	}
	p, ok := le.Details.(OptionProblem)
	return p, ok
}

// Worded is err for the command line in lang. An option's refusal, a
// refused file's problems and a file's refused rows (the errors this
// package words) read in Chinese when lang is LangZH, else as their
// caller-safe English message. Any other error is left as it is, with the
// context it was wrapped in (an --as look-up failing on a database outage
// says what was being looked up), except that a bare *lianxin.Error reads
// as its message, without its code.
func Worded(lang, file string, err error) error {
	var le *lianxin.Error
	if !errors.As(err, &le) {
		return err
	}
	p, option := OptionProblemOf(err)
	problems := ProblemsOf(err)
	var rejected int64
	var rows bool
	if d, ok := le.Details.(map[string]any); ok {
		rejected, rows = d["rejected"].(int64)
	}
	switch {
	case !option && len(problems) == 0 && !rows:
		if error(le) == err {
			return errors.New(le.Message)
		}
		return err
	case lang != LangZH:
		return errors.New(le.Message)
	case option:
		return errors.New(Say(LangZH, p.Code, p.Params))
	case len(problems) > 0:
		return errors.New(MessageZH(file, problems))
	case le.Details.(map[string]any)["all_rejected"] == true:
		return errors.New(Say(LangZH, sayAllRejected, map[string]any{"file": file, "n": rejected}))
	default:
		return errors.New(Say(LangZH, sayRowsRefused, map[string]any{"file": file, "n": rejected}))
	}
}

// SayReject is the command line's line of a rejected row in lang.
func SayReject(lang string, r RowError) string {
	where := sayWhereLine
	if r.Unit == "feature" {
		where = sayWhereFeature
	}
	at := Say(lang, where, map[string]any{"file": r.File, "line": r.Line})
	reason := r.Reason
	switch {
	case lang == LangZH:
		reason = ReasonZH(r) // the column as typed leads it
	case r.Field != "":
		at += ", field " + r.Field // as RowError.Error has always said it
	}
	return Say(lang, sayRejected, map[string]any{"where": at, "reason": reason})
}

// CLI words the command line's lines in one language.
type CLI struct{ Lang string }

// Reject is a rejected row's line.
func (c CLI) Reject(r RowError) string { return SayReject(c.Lang, r) }

// MoreRejected says how many rejected rows were not listed; hint adds how
// to get all of them.
func (c CLI) MoreRejected(n int64, hint bool) string {
	s := Say(c.Lang, sayMoreRejected, map[string]any{"n": n})
	if hint {
		s += Say(c.Lang, sayMoreHint, nil)
	}
	return s
}

// WroteRejects says where the rejects file went; source is the file
// imported, named when it was a dry run (fix that one, not the rejects).
func (c CLI) WroteRejects(n int64, file, source string, dryRun bool) string {
	if dryRun {
		return Say(c.Lang, sayWroteRejectsDry, map[string]any{"n": n, "file": file, "source": source})
	}
	return Say(c.Lang, sayWroteRejects, map[string]any{"n": n, "file": file})
}

// Summary is the line of a finished import, and its note (dry run, rows
// skipped) if any. The English line keeps its key=value form for scripts.
func (c CLI) Summary(rec Record) (line, note string) {
	layer := rec.Layer
	if c.Lang == LangZH {
		if zh, ok := tablesZH[layer]; ok {
			layer = zh
		}
	}
	line = Say(c.Lang, saySummary, map[string]any{"id": rec.ID, "status": Say(c.Lang, rec.Status, nil), "layer": layer,
		"inserted": rec.Inserted, "updated": rec.Updated, "unchanged": rec.Unchanged, "rejected": rec.Rejected})
	if c.Lang != LangZH {
		return line, rec.Message
	}
	n := map[string]any{"n": rec.Rejected}
	switch {
	case rec.DryRun && rec.Rejected > 0:
		note = Say(c.Lang, sayDryRunRejected, n)
	case rec.DryRun:
		note = Say(c.Lang, sayDryRun, nil)
	case rec.Rejected > 0:
		note = Say(c.Lang, saySkipped, n)
	}
	return line, note
}

// Progress is the progress line's rows and rate, and its ETA and done
// labels.
func (c CLI) Progress(rows int64, rate string) string {
	return Say(c.Lang, sayProgressRows, map[string]any{"rows": rows, "rate": rate})
}

// ETA labels the time left.
func (c CLI) ETA(eta string) string { return Say(c.Lang, sayProgressETA, map[string]any{"eta": eta}) }

// Done says how long the import took.
func (c CLI) Done(elapsed string) string {
	return Say(c.Lang, sayProgressDone, map[string]any{"elapsed": elapsed})
}

// ParseCRS reads a crs option as geo.ParseCRS does, refusing others with
// OptBadCRS.
func ParseCRS(s string) (geo.CRS, error) {
	crs, err := geo.ParseCRS(s)
	if err != nil {
		return "", OptionError("crs", OptBadCRS, map[string]any{"value": s,
			"allowed": []string{string(geo.CRSWGS84), string(geo.CRSCGCS2000), string(geo.CRSGCJ02)}})
	}
	return crs, nil
}
