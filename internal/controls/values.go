package controls

import (
	"regexp"
	"strings"
)

// The standard frequencies, natures, types and risks, with the labels auditors read.
var (
	Frequencies = []Choice{
		{"annual", "Annual"}, {"quarterly", "Quarterly"}, {"monthly", "Monthly"}, {"weekly", "Weekly"},
		{"daily", "Daily"}, {"multiple_daily", "Multiple times a day"}, {"automated", "Continuous / automated"},
		{"as_needed", "As needed"},
	}
	Natures      = []Choice{{"manual", "Manual"}, {"automated", "Automated"}, {"it_dependent_manual", "IT-dependent manual"}}
	ControlTypes = []Choice{{"preventive", "Preventive"}, {"detective", "Detective"}}
	Risks        = []Choice{{"low", "Low"}, {"higher", "Higher"}}
)

// Choice is one allowed value of a control attribute and its label.
type Choice struct{ Value, Label string }

// Label returns the label of value among choices, or value itself when it is not one of them.
func Label(choices []Choice, value string) string {
	for _, c := range choices {
		if c.Value == value {
			return c.Label
		}
	}
	return value
}

func valid(choices []Choice, value string) bool {
	for _, c := range choices {
		if c.Value == value {
			return true
		}
	}
	return false
}

// normalizeWord folds "IT-dependent Manual", "it_dependent_manual" and "it dependent manual"
// to the same key.
func normalizeWord(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.NewReplacer("-", " ", "_", " ", "/", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// matchChoice maps free text to a value of choices by value, label or one of the synonyms.
func matchChoice(choices []Choice, synonyms map[string]string, text string) (string, bool) {
	key := normalizeWord(text)
	for _, c := range choices {
		if key == normalizeWord(c.Value) || key == normalizeWord(c.Label) {
			return c.Value, true
		}
	}
	v, ok := synonyms[key]
	return v, ok
}

var natureSynonyms = map[string]string{
	"itdm": "it_dependent_manual", "it dependent": "it_dependent_manual", "semi automated": "it_dependent_manual",
	"automatic": "automated", "system": "automated",
}

var typeSynonyms = map[string]string{
	"preventative": "preventive", "prevent": "preventive", "detect": "detective",
}

var riskSynonyms = map[string]string{"high": "higher", "elevated": "higher", "normal": "low"}

// Frequency mapping. The rule, documented in the README:
//   - blank: "as needed" (the import warns, so someone confirms it);
//   - a standard frequency by value or label ("Quarterly", "multiple_daily", "As needed"): that
//     frequency, with no note;
//   - a common synonym ("Yearly", "Ad hoc", "Continuous", "Multiple times a day") or text that
//     contains exactly one recognised frequency word ("Monthly, on the 15th"): that frequency,
//     and the original text is kept in frequency_note;
//   - a cron expression ("0 0 0 15 * *"): the frequency the schedule implies, text kept in the note;
//   - an event-driven schedule ("Per change", "Per hire", "Upon termination", "Real-time",
//     "Ongoing", "Each release"): "as needed", the original text kept in the note — such controls
//     are sampled from the population of events, not from periods;
//   - text naming two different frequencies ("Daily / Weekly"): not guessed — FrequencyChoices
//     lists them and the import asks the user which one applies;
//   - anything else: rejected as a bad frequency, because sample sizes depend on it and Attest
//     does not guess.
var frequencySynonyms = map[string]string{
	"annually": "annual", "yearly": "annual", "once a year": "annual", "every year": "annual",
	"quarter": "quarterly", "every quarter": "quarterly",
	"month": "monthly", "every month": "monthly",
	"week": "weekly", "every week": "weekly",
	"day": "daily", "every day": "daily", "nightly": "daily",
	"multiple times a day": "multiple_daily", "multiple times per day": "multiple_daily",
	"several times a day": "multiple_daily", "hourly": "multiple_daily", "multiple daily": "multiple_daily",
	"continuous": "automated", "continuously": "automated", "automatic": "automated",
	"ad hoc": "as_needed", "adhoc": "as_needed", "as required": "as_needed", "event driven": "as_needed",
	"on demand": "as_needed", "upon occurrence": "as_needed", "per event": "as_needed", "as needed": "as_needed",
}

// frequencyWords are recognised inside longer text, most specific first.
var frequencyWords = []struct{ word, value string }{
	{"multiple times a day", "multiple_daily"}, {"hourly", "multiple_daily"},
	{"annual", "annual"}, {"yearly", "annual"}, {"quarterly", "quarterly"}, {"monthly", "monthly"},
	{"weekly", "weekly"}, {"daily", "daily"}, {"nightly", "daily"}, {"automated", "automated"},
	{"continuous", "automated"}, {"as needed", "as_needed"}, {"ad hoc", "as_needed"}, {"event driven", "as_needed"},
}

// eventWords open an event-driven schedule: "per change", "upon termination", "on each release".
var eventWords = []string{"per", "upon", "on", "each", "every", "after", "at", "with", "for", "when", "whenever", "following"}

// eventTerms are event-driven schedules without such an opening word.
var eventTerms = map[string]bool{
	"real time": true, "realtime": true, "ongoing": true, "on going": true, "event based": true, "as occurs": true,
	"as they occur": true, "as it occurs": true, "when needed": true, "when required": true, "on request": true,
	"upon request": true, "on change": true, "triggered": true, "event triggered": true,
}

// periodNouns name a period after "per"/"each"/"every" ("per quarter" is quarterly, not an event).
var periodNouns = map[string]string{
	"day": "daily", "night": "daily", "week": "weekly", "month": "monthly", "quarter": "quarterly", "year": "annual", "annum": "annual",
	"hour": "multiple_daily",
}

// eventFrequency recognises an event-driven schedule (or "per quarter" and the like). ok is false
// for text that is neither.
func eventFrequency(text string) (string, bool) {
	key := normalizeWord(text)
	if eventTerms[key] {
		return "as_needed", true
	}
	words := strings.Fields(key)
	if len(words) < 2 || len(words) > 6 || !contains(eventWords, words[0]) {
		return "", false
	}
	rest := words[1:]
	if rest[0] == "each" || rest[0] == "every" || rest[0] == "a" || rest[0] == "an" || rest[0] == "the" {
		rest = rest[1:]
	}
	if len(rest) == 0 {
		return "", false
	}
	if v, ok := periodNouns[strings.TrimSuffix(rest[0], "s")]; ok {
		return v, true
	}
	for _, w := range rest {
		if _, ok := periodNouns[strings.TrimSuffix(w, "s")]; ok {
			return "", false // "on the 15th of each month" is a period, not an event
		}
	}
	for _, w := range frequencyWords {
		if strings.Contains(" "+strings.Join(rest, " ")+" ", " "+w.word) {
			return "", false // "every month, daily checks": leave it to the other rules
		}
	}
	return "as_needed", true
}

// FrequencyChoices lists the standard frequencies a cell names when it names more than one
// ("Daily / Weekly"): the import asks the user to pick instead of taking the first.
func FrequencyChoices(text string) []string {
	if _, _, ok := ParseFrequency(text); ok {
		return nil
	}
	key := " " + normalizeWord(text) + " "
	var out []string
	for _, c := range Frequencies { // in the order the forms offer them
		for _, w := range frequencyWords {
			if w.value == c.Value && strings.Contains(key, " "+w.word) && !contains(out, c.Value) {
				out = append(out, c.Value)
			}
		}
	}
	if len(out) < 2 {
		return nil
	}
	return out
}

var cronField = regexp.MustCompile(`^[0-9*/,\-?LW#]+$`)

// ParseFrequency maps imported frequency text to a standard frequency and the note to keep.
// ok is false when the text names no frequency Attest can recognise.
func ParseFrequency(text string) (frequency, note string, ok bool) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "as_needed", "", true
	}
	for _, c := range Frequencies {
		if normalizeWord(text) == normalizeWord(c.Value) || normalizeWord(text) == normalizeWord(c.Label) {
			return c.Value, "", true
		}
	}
	if v, ok := frequencySynonyms[normalizeWord(text)]; ok {
		return v, text, true
	}
	if v, ok := cronFrequency(text); ok {
		return v, text, true
	}
	if v, ok := eventFrequency(text); ok {
		return v, text, true
	}
	key := " " + normalizeWord(text) + " "
	found := map[string]bool{}
	var value string
	for _, w := range frequencyWords {
		if strings.Contains(key, " "+w.word) {
			found[w.value], value = true, w.value
		}
	}
	if len(found) == 1 { // two different frequencies named is ambiguous: rejected
		return value, text, true
	}
	return "", "", false
}

// cronFrequency reads a 5- or 6-field cron schedule (with or without seconds) and returns the
// frequency it implies: a fixed month and day is annual, a fixed day of month monthly, a fixed
// weekday weekly, a fixed hour daily, anything more often multiple_daily.
func cronFrequency(text string) (string, bool) {
	f := strings.Fields(text)
	if len(f) != 5 && len(f) != 6 {
		return "", false
	}
	for _, x := range f {
		if !cronField.MatchString(x) {
			return "", false
		}
	}
	if len(f) == 6 {
		f = f[1:] // drop seconds
	}
	minute, hour, dom, month, dow := f[0], f[1], f[2], f[3], f[4]
	fixed := func(x string) bool { return !strings.ContainsAny(x, "*/,-?") }
	switch {
	case fixed(dom) && fixed(month):
		return "annual", true
	case fixed(dom):
		if strings.Contains(month, "/3") || strings.Count(month, ",") == 3 {
			return "quarterly", true
		}
		return "monthly", true
	case fixed(dow):
		return "weekly", true
	case fixed(hour) && fixed(minute):
		return "daily", true
	}
	return "multiple_daily", true
}
