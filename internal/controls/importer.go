package controls

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/attest-soc/attest/internal/audit"
	"github.com/attest-soc/attest/internal/words"
)

// Problem is one finding of an import, by spreadsheet row (the header is row 1) and column.
type Problem struct {
	Row     int    // 0 when the finding is about the whole file
	Column  string // e.g. "C (criteria)"; "" when it is about the whole row or file
	Message string
}

// ImportError lists every problem that stopped an import; nothing was saved. With Questions the
// import waits for the user's answers (PendingID names the kept upload).
type ImportError struct {
	File       string
	Problems   []Problem
	Warnings   []Problem
	Questions  []Question
	NoValidRow bool  // a partial import found no row to import
	PendingID  int64 // the kept upload, when Questions wait for answers
}

func (e *ImportError) Error() string {
	return fmt.Sprintf("import of %s refused: %d problems", e.File, len(e.Problems))
}

// ImportResult says what an import saved and what the user should look at.
type ImportResult struct {
	Imported int
	Refs     []string
	Warnings []Problem
	// A partial import: the refused rows (spreadsheet numbers), their problems, and the name of
	// the file that gives them back (empty when no row was refused).
	RefusedRows []int
	Problems    []Problem
	RefusedName string
	ImportID    int64 // the control_imports row holding the refused rows' file
}

// ImportOptions are the user's choices for an import.
type ImportOptions struct {
	Partial     bool           // import the valid rows; the refused ones come back as a file
	Frequencies map[int]string // spreadsheet row -> the frequency chosen for a cell that names two
}

var criteriaSeparators = regexp.MustCompile(`[;,\s]+`)

// plannedRow is a row of the file turned into a control input.
type plannedRow struct {
	row int
	in  Input
}

// importColumns maps the header row of sh to the import columns: unknown columns are warnings,
// repeated or missing required columns are problems.
func importColumns(sh Sheet) (cols map[string]int, problems, warnings []Problem) {
	cols = map[string]int{}
	for i, h := range sh.Header {
		key := normalizeWord(h)
		name, ok := columnAliases[key]
		if !ok {
			name = strings.ReplaceAll(key, " ", "_")
		}
		if !contains(ImportColumns, name) {
			if key != "" {
				warnings = append(warnings, Problem{Row: 1, Column: columnLetter(i) + " (" + h + ")", Message: "Column ignored: Attest does not import " + strconv.Quote(h) + "."})
			}
			continue
		}
		if j, dup := cols[name]; dup {
			problems = append(problems, Problem{Row: 1, Column: columnLetter(i) + " (" + h + ")", Message: "The column " + name + " appears twice (also column " + columnLetter(j) + ")."})
			continue
		}
		cols[name] = i
	}
	for _, name := range requiredColumns {
		if _, ok := cols[name]; !ok {
			problems = append(problems, Problem{Row: 1, Message: "The header row has no " + name + " column. Required columns: " + strings.Join(requiredColumns, ", ") + "."})
		}
	}
	return cols, problems, warnings
}

// Question is a cell only the user can decide: a frequency naming two frequencies
// ("Daily / Weekly"). The import waits for their choice instead of taking the first.
type Question struct {
	Row     int
	Column  string
	Ref     string
	Text    string
	Choices []Choice
}

// importPlan is what planImport found: the rows to create, the findings that stop the whole
// file (a missing column), the rows refused with their problems, and the questions to ask.
type importPlan struct {
	rows         []plannedRow
	fileProblems []Problem
	problems     []Problem // about single rows (Row >= 2)
	questions    []Question
	warnings     []Problem
	dataRows     int // rows that are not blank
}

// refusedRows lists the spreadsheet rows that have a problem, in file order.
func (p importPlan) refusedRows() []int {
	var out []int
	seen := map[int]bool{}
	for _, pr := range p.problems {
		if !seen[pr.Row] {
			seen[pr.Row] = true
			out = append(out, pr.Row)
		}
	}
	sort.Ints(out)
	return out
}

// planImport checks every cell of sh against the engagement's scope and existing controls and
// returns the controls to create with every problem found. It never stops at the first problem.
// answers holds the user's choice of frequency per spreadsheet row for cells that name two.
// It reads nothing from the database: Import loads the scope and the existing controls, plans,
// then writes in one transaction.
func planImport(sc Scope, existing []Control, sh Sheet, answers map[int]string) importPlan {
	var plan importPlan
	cols, problems, warnings := importColumns(sh)
	plan.warnings = warnings
	if len(problems) > 0 {
		plan.fileProblems = problems
		return plan
	}
	if len(sh.Rows) == 0 {
		plan.fileProblems = []Problem{{Message: "The file has a header row but no controls."}}
		return plan
	}
	colName := func(name string) string { return columnLetter(cols[name]) + " (" + name + ")" }
	cell := func(row []string, name string) string {
		i, ok := cols[name]
		if !ok || i >= len(row) {
			return ""
		}
		return strings.TrimSpace(row[i])
	}
	taken := map[string]string{} // lower(ref) -> where it is used
	inMatrix := map[string]bool{}
	for _, c := range existing {
		taken[strings.ToLower(c.Ref)] = "existing control " + c.Ref
		inMatrix[strings.ToLower(c.Ref)] = true
	}
	var noFrequency, noCriteria, alreadyInMatrix, outOfScope []string
	for i, row := range sh.Rows {
		n := i + 2
		if blank(row) {
			continue
		}
		plan.dataRows++
		rowProblems := len(plan.problems)
		bad := func(col, msg string) {
			plan.problems = append(plan.problems, Problem{Row: n, Column: colName(col), Message: msg})
		}
		in := Input{Ref: cell(row, ColControlID), Description: cell(row, ColDescription), Owner: cell(row, ColOwner)}
		switch key := strings.ToLower(in.Ref); {
		case in.Ref == "":
			bad(ColControlID, "Missing control id.")
		case len(in.Ref) > 40:
			bad(ColControlID, "Control id is longer than 40 characters.")
		case taken[key] != "":
			bad(ColControlID, "Duplicate control id "+in.Ref+": already used by "+taken[key]+".")
			if inMatrix[key] {
				alreadyInMatrix = append(alreadyInMatrix, in.Ref)
			}
		default:
			taken[key] = "row " + strconv.Itoa(n)
		}
		if in.Description == "" {
			bad(ColDescription, "Missing control description.")
		}
		ids, msgs := parseCriteria(sc, cell(row, ColCriteria))
		for _, m := range msgs {
			bad(ColCriteria, m)
		}
		for _, id := range criteriaSeparators.Split(cell(row, ColCriteria), -1) {
			if c, ok := sc.byID[strings.ToUpper(strings.Trim(id, ".()[]"))]; ok && !sc.Categories[c.Category] && !contains(outOfScope, c.Category) {
				outOfScope = append(outOfScope, c.Category)
			}
		}
		in.Criteria = ids
		if cell(row, ColCriteria) == "" {
			noCriteria = append(noCriteria, fmt.Sprintf("row %d (%s)", n, in.Ref))
		}
		freqText := cell(row, ColFrequency)
		var question *Question
		if f, note, ok := ParseFrequency(freqText); ok {
			in.Frequency, in.FrequencyNote = f, note
		} else if choices := FrequencyChoices(freqText); choices != nil {
			if a := answers[n]; contains(choices, a) {
				in.Frequency, in.FrequencyNote = a, freqText
			} else {
				q := Question{Row: n, Column: colName(ColFrequency), Ref: in.Ref, Text: freqText}
				for _, v := range choices {
					q.Choices = append(q.Choices, Choice{v, Label(Frequencies, v)})
				}
				question = &q
			}
		} else {
			bad(ColFrequency, "Frequency "+strconv.Quote(freqText)+" is not recognised. Use one of: "+choiceLabels(Frequencies)+", or a cron schedule.")
		}
		if freqText == "" {
			noFrequency = append(noFrequency, strconv.Itoa(n))
		}
		if note := cell(row, ColFrequencyNote); note != "" {
			in.FrequencyNote = note
		}
		in.ControlType = pick(cell(row, ColControlType), "preventive", ControlTypes, typeSynonyms, func(text string) {
			bad(ColControlType, "Control type "+strconv.Quote(text)+" is not recognised. Use preventive or detective.")
		})
		in.Nature = pick(cell(row, ColNature), "manual", Natures, natureSynonyms, func(text string) {
			bad(ColNature, "Nature "+strconv.Quote(text)+" is not recognised. Use manual, automated or IT-dependent manual.")
		})
		in.Risk = pick(cell(row, ColRisk), "low", Risks, riskSynonyms, func(text string) {
			bad(ColRisk, "Risk "+strconv.Quote(text)+" is not recognised. Use low or higher.")
		})
		switch {
		case len(plan.problems) > rowProblems: // refused: a question about it would be moot
		case question != nil:
			plan.questions = append(plan.questions, *question)
		default:
			plan.rows = append(plan.rows, plannedRow{row: n, in: in})
		}
	}
	if len(noCriteria) > 0 {
		plan.warnings = append(plan.warnings, Problem{Column: colName(ColCriteria), Message: fmt.Sprintf(
			"Coverage question: %d %s no criteria: %s. They are imported without criteria; map each to the criteria it addresses, or confirm it belongs in the matrix.",
			len(noCriteria), words.Plural(len(noCriteria), "control has", "controls have"), strings.Join(noCriteria, ", "))})
	}
	if len(outOfScope) > 0 {
		var labels []string
		for _, cat := range outOfScope {
			labels = append(labels, CategoryLabels[cat])
		}
		plan.warnings = append(plan.warnings, Problem{Column: colName(ColCriteria), Message: "The file maps criteria of " + strings.Join(labels, ", ") +
			", which this engagement does not have in scope. If the report should cover them, add the category to the scope (Edit scope and period on the overview) and import again; otherwise remove those criteria from the file."})
	}
	if len(alreadyInMatrix) > 0 {
		// Typically the same or an updated file imported a second time.
		plan.warnings = append(plan.warnings, Problem{Column: colName(ColControlID), Message: fmt.Sprintf(
			"%d %s already in the matrix. An import adds controls; it never changes existing ones. Edit those controls in the matrix, or leave their rows out of the file.",
			len(alreadyInMatrix), words.Plural(len(alreadyInMatrix), "control id of this file is", "control ids of this file are"))})
	}
	if len(noFrequency) > 0 {
		plan.warnings = append(plan.warnings, Problem{Column: colName(ColFrequency), Message: fmt.Sprintf(
			"%d %s no frequency (%s %s); recorded as “As needed”. Confirm the frequency before choosing sample sizes.",
			len(noFrequency), words.Plural(len(noFrequency), "control has", "controls have"), words.Plural(len(noFrequency), "row", "rows"), compactRows(noFrequency))})
	}
	return plan
}

// questionProblems turns unanswered questions into problems, for an all-or-nothing import that
// is refused anyway: the user writes one frequency in the file.
func questionProblems(qs []Question) []Problem {
	out := make([]Problem, 0, len(qs))
	for _, q := range qs {
		var labels []string
		for _, c := range q.Choices {
			labels = append(labels, c.Label)
		}
		out = append(out, Problem{Row: q.Row, Column: q.Column, Message: "Frequency " + strconv.Quote(q.Text) + " names " +
			strings.Join(labels, " and ") + ". Write the one that applies (Attest asks which once the other problems are corrected)."})
	}
	return out
}

// parseCriteria splits a criteria cell on semicolons, commas or whitespace and expands ranges
// such as CC3.1-CC3.4. It checks ids only, never whether they suit the control's subject.
func parseCriteria(sc Scope, text string) ([]string, []string) {
	var ids, msgs []string
	seen := map[string]bool{}
	add := func(id string) {
		if msg := sc.CheckCriterion(id); msg != "" {
			msgs = append(msgs, msg)
			return
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, tok := range criteriaSeparators.Split(strings.TrimSpace(text), -1) {
		tok = strings.ToUpper(strings.Trim(tok, ".()[]"))
		if tok == "" {
			continue
		}
		if from, to, ok := strings.Cut(tok, "-"); ok && from != "" && to != "" {
			expanded, ok := sc.expandRange(from, to)
			if !ok {
				msgs = append(msgs, tok+" is not a valid range of criteria (write for example CC3.1-CC3.4).")
				continue
			}
			for _, id := range expanded {
				add(id)
			}
			continue
		}
		add(tok)
	}
	sc.sortCriteria(ids)
	return ids, msgs
}

// expandRange lists the criteria from from to to within one series.
func (sc Scope) expandRange(from, to string) ([]string, bool) {
	a, aok := sc.byID[from]
	b, bok := sc.byID[to]
	if !aok || !bok || a.Series != b.Series || a.SortOrder > b.SortOrder {
		return nil, false
	}
	var out []string
	for _, c := range sc.Criteria {
		if c.SortOrder >= a.SortOrder && c.SortOrder <= b.SortOrder {
			out = append(out, c.ID)
		}
	}
	return out, true
}

// pick maps a cell to one of choices, using def for a blank cell and reporting unknown text.
func pick(text, def string, choices []Choice, synonyms map[string]string, report func(string)) string {
	if text == "" {
		return def
	}
	if v, ok := matchChoice(choices, synonyms, text); ok {
		return v
	}
	report(text)
	return def
}

// Import creates the controls of sh in the engagement, all or nothing, in one transaction with
// one audit event. Any problem (an unanswered question included) returns an *ImportError listing
// every problem, and saves nothing. The web page imports through Service.ImportUpload, which also
// offers the partial import and asks the questions.
func (s *Service) Import(ctx context.Context, actor audit.Actor, engagementID int64, fileName string, sh Sheet) (ImportResult, error) {
	var res ImportResult
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		res, err = s.importTx(ctx, tx, actor, engagementID, fileName, sh, ImportOptions{})
		return err
	})
	return res, err
}

// importTx plans sh and, when it can, creates its controls and writes the audit event. With
// opts.Partial the valid rows are created and the refused ones listed in res.RefusedRows.
func (s *Service) importTx(ctx context.Context, tx *gorm.DB, actor audit.Actor, engagementID int64, fileName string, sh Sheet, opts ImportOptions) (ImportResult, error) {
	var res ImportResult
	if err := lockMatrix(tx, engagementID); err != nil {
		return res, err
	}
	sc, err := s.WithTx(tx).LoadScope(ctx, engagementID)
	if err != nil {
		return res, err
	}
	existing, err := s.WithTx(tx).List(ctx, engagementID)
	if err != nil {
		return res, err
	}
	plan := planImport(sc, existing, sh, opts.Frequencies)
	switch {
	case len(plan.fileProblems) > 0:
		return res, &ImportError{File: fileName, Problems: plan.fileProblems, Warnings: plan.warnings}
	case !opts.Partial && len(plan.problems) > 0:
		return res, &ImportError{File: fileName, Problems: append(plan.problems, questionProblems(plan.questions)...), Warnings: plan.warnings}
	case opts.Partial && len(plan.rows) == 0 && len(plan.questions) == 0:
		return res, &ImportError{File: fileName, NoValidRow: true, Warnings: plan.warnings, Problems: append([]Problem{{Message: fmt.Sprintf(
			"No row of %s can be imported: each of its %d %s has a problem, listed below. A partial import needs at least one valid row; nothing was imported.",
			fileName, plan.dataRows, words.Plural(plan.dataRows, "row", "rows"))}}, plan.problems...)}
	case len(plan.questions) > 0:
		return res, &ImportError{File: fileName, Questions: plan.questions, Problems: plan.problems, Warnings: plan.warnings}
	}
	order, err := nextSortOrder(tx, engagementID)
	if err != nil {
		return res, fmt.Errorf("ordering imported controls: %w", err)
	}
	for i, p := range plan.rows {
		if _, err := insert(tx, engagementID, p.in, order+i*10); err != nil {
			return res, fmt.Errorf("importing row %d: %w", p.row, err)
		}
		res.Refs = append(res.Refs, p.in.Ref)
	}
	res.Imported, res.Warnings = len(plan.rows), plan.warnings
	res.RefusedRows, res.Problems = plan.refusedRows(), plan.problems
	var notes []string
	for _, w := range plan.warnings {
		notes = append(notes, w.Message)
	}
	after := map[string]any{"file": fileName, "rows": len(sh.Rows), "controls_imported": len(plan.rows), "refs": res.Refs,
		"warnings": notes, "controls_before": len(existing), "controls_after": len(existing) + len(plan.rows)}
	if len(opts.Frequencies) > 0 {
		after["frequencies_chosen"] = opts.Frequencies
	}
	if opts.Partial {
		after["mode"] = "partial"
		after["rows_refused"] = len(res.RefusedRows)
		after["refused_rows"] = res.RefusedRows
		if len(res.RefusedRows) > 0 {
			res.RefusedName = RefusedFileName(fileName)
			after["refused_file"] = res.RefusedName
		}
	}
	return res, audit.Record(ctx, tx, actor, audit.Event{Action: "control.import", EntityType: "engagement", EntityID: engagementID,
		EngagementID: engagementID, ClientID: sc.ClientID, After: after})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func choiceLabels(choices []Choice) string {
	var out []string
	for _, c := range choices {
		out = append(out, c.Label)
	}
	return strings.Join(out, ", ")
}

// compactRows writes consecutive row numbers as ranges: 2, 3, 4, 7 → 2–4, 7.
func compactRows(rows []string) string {
	var out []string
	for i := 0; i < len(rows); {
		j := i
		for j+1 < len(rows) && atoi(rows[j+1]) == atoi(rows[j])+1 {
			j++
		}
		if j > i {
			out = append(out, rows[i]+"–"+rows[j])
		} else {
			out = append(out, rows[i])
		}
		i = j + 1
	}
	return strings.Join(out, ", ")
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }
